// The WSDM Cup 2019 metrics and the usual binary-classification ones. Pure functions over plain arrays.

/**
 * Average accuracy of one session's second half: AA = (1/T) Σ_i A(i)·L(i), where L(i) = [p_i = y_i] and
 * A(i) = (correct among 1..i) / i. Predictions and truth are 0/1.
 */
export function averageAccuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  const T = truth.length;
  if (T === 0) throw new Error('averageAccuracy: empty session');
  if (pred.length !== T) throw new Error(`averageAccuracy: ${pred.length} predictions for ${T} targets`);
  let correct = 0;
  let sum = 0;
  for (let i = 0; i < T; i++) {
    if (pred[i] === truth[i]) {
      correct++;
      sum += correct / (i + 1);
    }
  }
  return sum / T;
}

/** Running means of MAA and FPA over sessions, fed one session (second half) at a time. */
export class ChallengeScore {
  private aaSum = 0;
  private firstSum = 0;
  sessions = 0;

  add(pred: ArrayLike<number>, truth: ArrayLike<number>): void {
    this.aaSum += averageAccuracy(pred, truth);
    this.firstSum += pred[0] === truth[0] ? 1 : 0;
    this.sessions++;
  }

  get maa(): number {
    return this.sessions ? this.aaSum / this.sessions : NaN;
  }

  get fpa(): number {
    return this.sessions ? this.firstSum / this.sessions : NaN;
  }
}

/** Area under the ROC curve (ties get half credit), computed by sorting scores. */
export function auc(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1; // 1-based average rank of the tie group
    for (let k = i; k <= j; k++) {
      if (truth[order[k]] === 1) {
        pos++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean binary cross-entropy of probabilities, clipped away from 0 and 1. */
export function logLoss(probs: ArrayLike<number>, truth: ArrayLike<number>, eps = 1e-7): number {
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]));
    sum -= truth[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probs.length;
}

export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (pred[i] === truth[i]) correct++;
  return correct / truth.length;
}

/** Positions of a session of length L that the challenge hides: session_position * 2 > L, i.e. after ⌊L/2⌋. */
export function firstHiddenPosition(length: number): number {
  return Math.floor(length / 2) + 1;
}

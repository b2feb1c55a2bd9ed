// The WSDM Cup 2019 protocol in one place: which rows of a session are known, how a skip probability becomes the
// 0/1 guess the challenge asks for, and how a session's guesses are scored (mean average accuracy, first prediction
// accuracy). The data, the trainer's validation and the evaluator all follow these rules.
import type { Batch } from './types.ts';

/** The challenge shows the first ⌊L/2⌋ rows of a session of length L in full; the rest only by track and position. */
export function knownRows(length: number): number {
  return Math.floor(length / 2);
}

/** Positions of a session of length L that the challenge hides: session_position * 2 > L, i.e. after ⌊L/2⌋. */
export function firstHiddenPosition(length: number): number {
  return knownRows(length) + 1;
}

/** Probabilities become 0/1 predictions at this threshold (p ≥ 0.5 ⇒ skip). */
export const DECISION_THRESHOLD = 0.5;

export function toClass(probability: number): 0 | 1 {
  return probability >= DECISION_THRESHOLD ? 1 : 0;
}

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

/** Each session of a batch that has scored (masked) positions: their batch indices in order, and the true labels. */
export function* scoredSessions(batch: Batch): Generator<{ hidden: number[]; truth: number[] }> {
  const T = batch.seqLen;
  for (let b = 0; b < batch.size; b++) {
    const hidden: number[] = [];
    const truth: number[] = [];
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (batch.mask[i] !== 1) continue;
      hidden.push(i);
      truth.push(batch.labels[i]);
    }
    if (hidden.length) yield { hidden, truth };
  }
}

/** Scores one predictor's probabilities for a batch the WSDM Cup's way: each session's hidden positions, thresholded. */
export function addChallengeSessions(score: ChallengeScore, batch: Batch, probabilities: ArrayLike<number>): void {
  for (const { hidden, truth } of scoredSessions(batch)) score.add(hidden.map((i) => toClass(probabilities[i])), truth);
}

// Accuracy, AUC and log loss accumulated one prediction at a time in fixed memory, so an evaluation over a
// whole held-out day never holds its scores. AUC comes from per-class histograms of the probability: with 2^16
// bins the only error is treating scores inside one bin as ties (half credit), far below the noise of any
// evaluation set; exact ties (constant or 0/1 predictors) are handled exactly.
import { toClass } from '../data/format/challenge.ts';

const AUC_BINS = 1 << 16;
const EPS = 1e-7; // the same clipping as metrics.ts logLoss

export class BinaryMetrics {
  count = 0;
  correct = 0;
  private lossSum = 0;
  private readonly positives = new Float64Array(AUC_BINS);
  private readonly negatives = new Float64Array(AUC_BINS);

  add(probability: number, truth: number): void {
    this.count++;
    if (toClass(probability) === truth) this.correct++;
    const p = Math.min(1 - EPS, Math.max(EPS, probability));
    this.lossSum -= truth === 1 ? Math.log(p) : Math.log(1 - p);
    const bin = Math.min(AUC_BINS - 1, Math.max(0, Math.floor(probability * AUC_BINS)));
    (truth === 1 ? this.positives : this.negatives)[bin]++;
  }

  get accuracy(): number {
    return this.count ? this.correct / this.count : NaN;
  }

  get logLoss(): number {
    return this.count ? this.lossSum / this.count : NaN;
  }

  /** P(score of a random positive > score of a random negative), ties counting half. NaN with one class only. */
  get auc(): number {
    let negativesBelow = 0;
    let pos = 0;
    let neg = 0;
    let wins = 0;
    for (let i = 0; i < AUC_BINS; i++) {
      const p = this.positives[i];
      const n = this.negatives[i];
      if (p === 0 && n === 0) continue;
      wins += p * (negativesBelow + n / 2);
      negativesBelow += n;
      pos += p;
      neg += n;
    }
    return pos && neg ? wins / (pos * neg) : NaN;
  }
}

// Streaming mean and covariance of a vector (Welford's update generalised to co-moments), numerically stable on
// billions of rows where raw Σx² sums would cancel catastrophically.
import type { SquareMatrix } from './partialCorrelation.ts';

export class CovarianceAccumulator {
  readonly mean: Float64Array;
  /** Co-moments Σ (x_i − mean_i)(x_j − mean_j), row-major, full square (kept symmetric). */
  readonly comoment: Float64Array;
  count = 0;
  private readonly delta: Float64Array;

  constructor(readonly size: number) {
    this.mean = new Float64Array(size);
    this.comoment = new Float64Array(size * size);
    this.delta = new Float64Array(size);
  }

  add(x: ArrayLike<number>): void {
    const n = ++this.count;
    const d = this.size;
    for (let i = 0; i < d; i++) {
      this.delta[i] = x[i] - this.mean[i];
      this.mean[i] += this.delta[i] / n;
    }
    // After the mean moves, (x − new mean) pairs with the old delta: C += δ_old · (x − mean_new)ᵀ.
    for (let i = 0; i < d; i++) {
      const di = this.delta[i];
      for (let j = 0; j <= i; j++) {
        const v = di * (x[j] - this.mean[j]);
        this.comoment[i * d + j] += v;
        if (j !== i) this.comoment[j * d + i] += v;
      }
    }
  }

  variance(i: number): number {
    return this.count > 1 ? this.comoment[i * this.size + i] / (this.count - 1) : NaN;
  }

  /** Pearson correlations; a constant variable gets NaN off the diagonal. */
  correlation(): SquareMatrix {
    const d = this.size;
    const values = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const denom = Math.sqrt(this.comoment[i * d + i] * this.comoment[j * d + j]);
        values[i * d + j] = i === j ? 1 : denom > 0 ? this.comoment[i * d + j] / denom : NaN;
      }
    }
    return { size: d, values };
  }
}

/**
 * Many independent bivariate correlations at once (one per slot), e.g. feature f at t against feature f at t + lag
 * for every (feature, lag). This sits in the innermost loop of the pass (about 90 updates per play), so it keeps
 * plain sums — no division per update — and relies on the caller to centre values on a reference close to the mean
 * (the "shifted data" method), which keeps Σxy − ΣxΣy/n free of catastrophic cancellation.
 */
export class PairedCorrelations {
  readonly n: Float64Array;
  private readonly sx: Float64Array;
  private readonly sy: Float64Array;
  private readonly sxx: Float64Array;
  private readonly syy: Float64Array;
  private readonly sxy: Float64Array;

  constructor(readonly slots: number) {
    this.n = new Float64Array(slots);
    this.sx = new Float64Array(slots);
    this.sy = new Float64Array(slots);
    this.sxx = new Float64Array(slots);
    this.syy = new Float64Array(slots);
    this.sxy = new Float64Array(slots);
  }

  add(slot: number, x: number, y: number): void {
    this.n[slot]++;
    this.sx[slot] += x;
    this.sy[slot] += y;
    this.sxx[slot] += x * x;
    this.syy[slot] += y * y;
    this.sxy[slot] += x * y;
  }

  /** The six sums of every slot, for the merge. */
  state(): number[][] {
    return [this.n, this.sx, this.sy, this.sxx, this.syy, this.sxy].map((a) => Array.from(a));
  }

  /** Adds another shard's sums (plain sums add; the same centre in every shard keeps them well conditioned). */
  merge(s: number[][]): void {
    [this.n, this.sx, this.sy, this.sxx, this.syy, this.sxy].forEach((a, k) => {
      if (s[k]?.length !== this.slots) throw new Error(`paired sums of ${s[k]?.length} slots cannot merge into ${this.slots}`);
      for (let i = 0; i < this.slots; i++) a[i] += s[k][i];
    });
  }

  correlation(slot: number): number {
    const n = this.n[slot];
    const cxy = this.sxy[slot] - (this.sx[slot] * this.sy[slot]) / n;
    const cxx = this.sxx[slot] - (this.sx[slot] * this.sx[slot]) / n;
    const cyy = this.syy[slot] - (this.sy[slot] * this.sy[slot]) / n;
    // Relative tolerance: a constant variable leaves only rounding noise in cxx.
    const tiny = 1e-12 * Math.max(this.sxx[slot], this.syy[slot]);
    return n > 1 && cxx > tiny && cyy > tiny ? cxy / Math.sqrt(cxx * cyy) : NaN;
  }
}

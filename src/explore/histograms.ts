// Histograms of track features, played tracks split by skip_2, counted over the whole stream. Bin edges must be
// fixed before the stream starts, so they come from the track table: its 0.5 % and 99.5 % quantiles, so that a
// few extreme values (durations of hours) do not squash every other bar into one bin. Values outside fall into the
// end bins.
import type { TrackTable } from '../data/format/types.ts';

export interface FeatureHistogram {
  feature: string;
  lo: number;
  hi: number;
  /** Lower edge of each bin. */
  edges: number[];
  skipped: number[];
  notSkipped: number[];
}

/** Quantiles qs of column `col` over (at most `maxRows`, evenly strided) rows of the table; one sort for all. */
export function tableQuantiles(tracks: TrackTable, col: number, qs: readonly number[], maxRows = 50_000): number[] {
  const n = tracks.ids.length;
  const stride = Math.max(1, Math.floor(n / maxRows));
  const values = new Float64Array(Math.ceil(n / stride));
  let k = 0;
  for (let i = 0; i < n; i += stride) {
    const v = tracks.features[i * tracks.width + col];
    if (Number.isFinite(v)) values[k++] = v;
  }
  if (k === 0) return qs.map(() => NaN);
  // A typed array sorts numerically and natively: much faster than Array.prototype.sort with a comparator.
  const sorted = values.subarray(0, k).sort();
  return qs.map((q) => sorted[Math.min(k - 1, Math.max(0, Math.round(q * (k - 1))))]);
}

export class FeatureHistograms {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly counts: Float64Array; // [feature][skipped ? 1 : 0][bin]

  constructor(
    readonly tracks: TrackTable,
    readonly columns: readonly number[],
    readonly names: readonly string[],
    readonly bins = 30,
  ) {
    this.lo = new Float64Array(columns.length);
    this.hi = new Float64Array(columns.length);
    columns.forEach((col, f) => {
      let [lo, hi] = tableQuantiles(tracks, col, [0.005, 0.995]);
      if (!(hi > lo)) {
        // A (near-)constant feature: one visible bin around the value.
        lo = Number.isFinite(lo) ? lo - 0.5 : 0;
        hi = lo + 1;
      }
      this.lo[f] = lo;
      this.hi[f] = hi;
    });
    this.counts = new Float64Array(columns.length * 2 * bins);
  }

  add(trackRow: number, skipped: boolean): void {
    const { features, width } = this.tracks;
    const offset = skipped ? this.bins : 0;
    for (let f = 0; f < this.columns.length; f++) {
      const v = features[trackRow * width + this.columns[f]];
      if (!Number.isFinite(v)) continue;
      const x = (v - this.lo[f]) / (this.hi[f] - this.lo[f]);
      const bin = Math.min(this.bins - 1, Math.max(0, Math.floor(x * this.bins)));
      this.counts[f * 2 * this.bins + offset + bin]++;
    }
  }

  /** The bin counts, for the merge (the edges follow from the track table, the same in every shard). */
  state(): number[] {
    return Array.from(this.counts);
  }

  merge(counts: readonly number[]): void {
    if (counts.length !== this.counts.length) throw new Error(`histograms of ${counts.length} cells cannot merge into ${this.counts.length}`);
    for (let i = 0; i < counts.length; i++) this.counts[i] += counts[i];
  }

  summary(): FeatureHistogram[] {
    return this.names.map((feature, f) => {
      const base = f * 2 * this.bins;
      const step = (this.hi[f] - this.lo[f]) / this.bins;
      return {
        feature,
        lo: this.lo[f],
        hi: this.hi[f],
        edges: Array.from({ length: this.bins }, (_, b) => this.lo[f] + b * step),
        notSkipped: Array.from(this.counts.subarray(base, base + this.bins)),
        skipped: Array.from(this.counts.subarray(base + this.bins, base + 2 * this.bins)),
      };
    });
  }
}

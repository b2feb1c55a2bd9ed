// Feature memory: does a session "remember" a track feature, i.e. is the feature of the track at t correlated with
// the one at t + lag? Measured on every consecutive pair of the stream, and compared with a null in which the
// sample's tracks are shuffled across sessions (same tracks, same session lengths, sequence structure destroyed).
import type { TrackTable } from '../data/format/types.ts';
import { Rng } from '../util/rng.ts';
import { PairedCorrelations } from './covariance.ts';
import type { SampledSession } from './sessionSample.ts';

export interface LagCorrelation {
  lag: number;
  /** Pearson correlation of feature(t) and feature(t + lag) over all pairs within sessions. */
  r: number;
  /** The same after shuffling tracks across the sampled sessions. */
  rShuffled: number;
  pairs: number;
  shuffledPairs: number;
}

/** Feature-by-lag correlations over consecutive plays; slot = feature * maxLag + (lag − 1). */
export class LagCorrelations {
  private readonly acc: PairedCorrelations;
  /** Per-feature centre subtracted before summing (see PairedCorrelations): the track table's mean. */
  private readonly centre: Float64Array;
  // Scratch: the session's centred features, [position][feature], so the lag loop reads contiguous memory.
  private values = new Float64Array(0);
  private known = new Uint8Array(0);

  constructor(
    readonly tracks: TrackTable,
    readonly columns: readonly number[],
    readonly maxLag: number,
  ) {
    this.acc = new PairedCorrelations(columns.length * maxLag);
    this.centre = Float64Array.from(columns, (col) => tableMean(tracks, col));
  }

  addSession(trackRows: ArrayLike<number>): void {
    const { features, width } = this.tracks;
    const cols = this.columns;
    const F = cols.length;
    const L = trackRows.length;
    if (this.values.length < L * F) {
      this.values = new Float64Array(L * F);
      this.known = new Uint8Array(L);
    }
    const v = this.values;
    for (let t = 0; t < L; t++) {
      const r = trackRows[t];
      this.known[t] = r >= 0 ? 1 : 0;
      if (r >= 0) for (let f = 0; f < F; f++) v[t * F + f] = features[r * width + cols[f]] - this.centre[f];
    }
    for (let t = 0; t < L; t++) {
      if (!this.known[t]) continue;
      for (let lag = 1; lag <= this.maxLag && t + lag < L; lag++) {
        if (!this.known[t + lag]) continue;
        const a = t * F;
        const b = (t + lag) * F;
        for (let f = 0; f < F; f++) this.acc.add(f * this.maxLag + lag - 1, v[a + f], v[b + f]);
      }
    }
  }

  state(): number[][] {
    return this.acc.state();
  }

  merge(s: number[][]): void {
    this.acc.merge(s);
  }

  r(feature: number, lag: number): number {
    return this.acc.correlation(feature * this.maxLag + lag - 1);
  }

  pairs(feature: number, lag: number): number {
    return this.acc.n[feature * this.maxLag + lag - 1];
  }
}

/** Mean of one feature column over (at most `maxRows`, evenly strided) tracks; 0 for an empty table. */
function tableMean(tracks: TrackTable, col: number, maxRows = 50_000): number {
  const n = tracks.ids.length;
  const stride = Math.max(1, Math.floor(n / maxRows));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i += stride) {
    const v = tracks.features[i * tracks.width + col];
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count ? sum / count : 0;
}

/** The sampled sessions with every play's track drawn, without replacement, from the pool of all sampled plays. */
export function shuffleAcrossSessions(sessions: readonly SampledSession[], seed: number): Int32Array[] {
  const pool: number[] = [];
  for (const s of sessions) for (const r of s.trackRows) pool.push(r);
  Rng.derive(seed, 'feature-memory-null').shuffle(pool);
  let k = 0;
  return sessions.map((s) => Int32Array.from({ length: s.trackRows.length }, () => pool[k++]));
}

export function featureMemory(
  observed: LagCorrelations,
  sample: readonly SampledSession[],
  names: readonly string[],
  seed: number,
): Record<string, LagCorrelation[]> {
  const shuffled = new LagCorrelations(observed.tracks, observed.columns, observed.maxLag);
  for (const s of shuffleAcrossSessions(sample, seed)) shuffled.addSession(s);
  const out: Record<string, LagCorrelation[]> = {};
  names.forEach((name, f) => {
    out[name] = Array.from({ length: observed.maxLag }, (_, i) => ({
      lag: i + 1,
      r: observed.r(f, i + 1),
      rShuffled: shuffled.r(f, i + 1),
      pairs: observed.pairs(f, i + 1),
      shuffledPairs: shuffled.pairs(f, i + 1),
    }));
  });
  return out;
}

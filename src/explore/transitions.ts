// Which track follows which, among the most played tracks, in one pass and bounded memory.
//
// Choice of method: the top N tracks are not known until the stream ends, and counting every (track, next track)
// pair exactly needs memory proportional to the distinct pairs (hundreds of millions in MSSD). So two fixed-size
// sketches run side by side: space-saving finds the heavy-hitter tracks (a capacity of many times N makes the top N
// reliable), and a count-min sketch counts every consecutive pair by its two track hashes. At the end the N×N
// block is read out of the count-min sketch. Its counts can only be too high, by a bound the sketch reports; on
// small inputs they are exact in practice. This avoids a second pass over a 400 GB archive.
import { hashString } from '../util/rng.ts';
import { CountMinSketch, type CountMinState } from './countMin.ts';
import { SpaceSaving, type SpaceSavingState } from './spaceSaving.ts';

export interface TransitionSummary {
  tracks: string[];
  /** Estimated plays of each top track and the bound on that estimate's overcount. */
  plays: number[];
  playsError: number[];
  /** counts[i][j]: times track j directly followed track i within a session. */
  counts: number[][];
  /** counts normalised per row (each row sums to 1 when track i is ever followed by a top track). */
  matrix: number[][];
  transitionsSeen: number;
  method: string;
}

export interface TransitionState {
  plays: SpaceSavingState;
  pairs: CountMinState;
}

export class TransitionCounter {
  private readonly plays: SpaceSaving;
  private readonly pairs: CountMinSketch;

  constructor(
    readonly topN: number,
    opts: { heavyHitterCapacity?: number; sketchWidth?: number } = {},
  ) {
    this.plays = new SpaceSaving(opts.heavyHitterCapacity ?? Math.max(20_000, 200 * topN));
    this.pairs = new CountMinSketch(opts.sketchWidth ?? 1 << 20, 4);
  }

  /** One session's track ids, in play order. */
  addSession(trackIds: readonly string[]): void {
    let previous = 0;
    for (let t = 0; t < trackIds.length; t++) {
      this.plays.add(trackIds[t]);
      const h = hashString(trackIds[t]);
      if (t > 0) this.pairs.add(previous, h);
      previous = h;
    }
  }

  state(): TransitionState {
    return { plays: this.plays.state(), pairs: this.pairs.state() };
  }

  /** Adds another shard's counts, each sketch by its own merge rule (see SpaceSaving.merge, CountMinSketch.merge). */
  merge(s: TransitionState): void {
    this.plays.merge(s.plays);
    this.pairs.merge(s.pairs);
  }

  summary(): TransitionSummary {
    const top = this.plays.top(this.topN);
    const hashes = top.map((t) => hashString(t.key));
    const counts = hashes.map((a) => hashes.map((b) => this.pairs.estimate(a, b)));
    const matrix = counts.map((row) => {
      const sum = row.reduce((s, v) => s + v, 0);
      return row.map((v) => (sum > 0 ? v / sum : 0));
    });
    return {
      tracks: top.map((t) => t.key),
      plays: top.map((t) => t.count),
      playsError: top.map((t) => t.error),
      counts,
      matrix,
      transitionsSeen: this.pairs.total,
      method:
        `space-saving heavy hitters (${this.plays.capacity} counters) for the top tracks; count-min sketch ` +
        `(${this.pairs.depth}×${this.pairs.width}, conservative update) for pair counts, which may overcount by at most ` +
        `${Math.ceil((Math.E / this.pairs.width) * this.pairs.total)} with probability ≥ ${(1 - Math.exp(-this.pairs.depth)).toFixed(3)}`,
    };
  }
}

// A bounded random sample of sessions for the analyses that need rows together rather than running sums
// (the shuffled null, the scatterplot matrix, the PC algorithm's correlation matrix).
import { Rng } from '../util/rng.ts';

export interface SampledSession {
  /** Row of each play in the track table (-1: track not in the table). */
  trackRows: Int32Array;
  skip2: Uint8Array;
}

/**
 * Each session is kept with probability `fraction` (a Bernoulli sample, so the expected size scales with the input);
 * the kept ones pass through a reservoir (Vitter's algorithm R) of `capacity` sessions, so memory stays bounded
 * however large the input is, and every kept session is equally likely to remain.
 */
export class SessionReservoir {
  readonly sessions: SampledSession[] = [];
  accepted = 0;
  private readonly rng: Rng;

  constructor(
    readonly fraction: number,
    readonly capacity: number,
    seed: number,
  ) {
    this.rng = Rng.derive(seed, 'explore-sample');
  }

  /** Offer a session; `make` is only called when it is kept, so unsampled sessions cost no allocation. */
  offer(make: () => SampledSession): void {
    if (this.fraction < 1 && this.rng.next() >= this.fraction) return;
    this.accepted++;
    if (this.sessions.length < this.capacity) this.sessions.push(make());
    else {
      const j = this.rng.int(this.accepted);
      if (j < this.capacity) this.sessions[j] = make();
    }
  }

  rows(): number {
    return this.sessions.reduce((s, x) => s + x.trackRows.length, 0);
  }
}

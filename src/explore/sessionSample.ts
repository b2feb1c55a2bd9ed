// A bounded random sample of sessions for the analyses that need rows together rather than running sums
// (the shuffled null, the scatterplot matrix, the PC algorithm's correlation matrix).
import { siftDown, siftUp } from '../util/heap.ts';
import { Rng } from '../util/rng.ts';

export interface SampledSession {
  /** Row of each play in the track table (-1: track not in the table). */
  trackRows: Int32Array;
  skip2: Uint8Array;
}

/** What a shard's sample leaves for the merge: its kept sessions (their keys follow from the ids and the seed). */
export interface SessionSampleState {
  accepted: number;
  sessions: { id: string; trackRows: number[]; skip2: number[] }[];
}

interface Ranked {
  key: number;
  id: string;
}

interface Kept extends Ranked {
  session: SampledSession;
}

/** (key, id) order; the id breaks the rare tie of two 53-bit keys, so the order never depends on arrival. */
const before = (a: Ranked, b: Ranked) => a.key < b.key || (a.key === b.key && a.id < b.id);
/** Max-heap order: the later (key, id) nearer the root. */
const above = (a: Ranked, b: Ranked) => before(b, a);

/**
 * Bottom-k sampling by a hash of the session id: each session gets a pseudo-random key in [0, 1) fixed by the seed
 * and its id alone; it is accepted when key < `fraction` (a Bernoulli sample, so the expected size scales with the
 * input), and of the accepted ones the `capacity` smallest keys are kept, so memory stays bounded however large the
 * input is. Every accepted session is equally likely to remain. Because the sample is a function of the SET of
 * sessions — not of their order or of how they were split — the merge of shards' samples (keep the `capacity`
 * smallest keys of all of them) is exactly the sample one pass keeps, and `sample()` lists it in key order, so the
 * analyses on it give the same numbers to the bit. (Session ids are unique in MSSD.)
 */
export class SessionSample {
  accepted = 0;
  // A max-heap on (key, id): the root is the kept session that the next smaller key evicts.
  private readonly heap: Kept[] = [];

  constructor(
    readonly fraction: number,
    readonly capacity: number,
    readonly seed: number,
  ) {}

  /** The session's key: 53 uniform bits from the seed and the id. */
  key(id: string): number {
    const rng = Rng.derive(this.seed, 'explore-sample', id);
    const high = Math.floor(rng.next() * 2 ** 32);
    const low = Math.floor(rng.next() * 2 ** 21);
    return (high * 2 ** 21 + low) / 2 ** 53;
  }

  /** Offer a session; `make` is only called when it is kept, so unsampled sessions cost no allocation. */
  offer(id: string, make: () => SampledSession): void {
    this.keep(this.key(id), id, make);
  }

  private keep(key: number, id: string, make: () => SampledSession): void {
    if (key >= this.fraction) return;
    this.accepted++;
    const h = this.heap;
    if (h.length < this.capacity) {
      h.push({ key, id, session: make() });
      siftUp(h, h.length - 1, above);
    } else if (before({ key, id }, h[0])) {
      h[0] = { key, id, session: make() };
      siftDown(h, 0, h.length, above);
    }
  }

  /** The kept sessions in key order (a random order, and the same for one pass and any merge of shards). */
  sample(): SampledSession[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0)).map((k) => k.session);
  }

  state(): SessionSampleState {
    return {
      accepted: this.accepted,
      sessions: this.heap.map((k) => ({ id: k.id, trackRows: Array.from(k.session.trackRows), skip2: Array.from(k.session.skip2) })),
    };
  }

  /** Adds another shard's sample: its sessions are offered again under their own keys, so the k smallest remain. */
  merge(s: SessionSampleState): void {
    const accepted = this.accepted + s.accepted;
    for (const x of s.sessions) this.keep(this.key(x.id), x.id, () => ({ trackRows: Int32Array.from(x.trackRows), skip2: Uint8Array.from(x.skip2) }));
    this.accepted = accepted;
  }
}

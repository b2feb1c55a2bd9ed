// Space-saving heavy hitters (Metwally, Agrawal & El Abbadi 2005): the most frequent keys of an unbounded stream
// in a fixed number of counters. Every key whose true count exceeds total/capacity is guaranteed to be monitored,
// and each reported count overestimates the truth by at most that key's `error`.

import { siftDown, siftUp } from '../util/heap.ts';
import { ownCopy } from './ownCopy.ts';

export interface HeavyHitter {
  key: string;
  count: number;
  /** Upper bound on the overestimate: the true count lies in [count − error, count]. */
  error: number;
}

/** What a shard's summary leaves for the merge. */
export interface SpaceSavingState {
  capacity: number;
  total: number;
  entries: HeavyHitter[];
}

export class SpaceSaving {
  private readonly slotOf = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  // A min-heap of slots ordered by count, so the key to evict is found in O(1) and re-ordered in O(log capacity).
  private readonly heap: Int32Array;
  private readonly heapPos: Int32Array;
  private size = 0;
  total = 0;

  constructor(readonly capacity: number) {
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.heap = new Int32Array(capacity);
    this.heapPos = new Int32Array(capacity);
  }

  add(key: string): void {
    this.total++;
    let slot = this.slotOf.get(key);
    let appended = false;
    if (slot === undefined) {
      if (this.size < this.capacity) {
        appended = true;
        slot = this.size++;
        this.heap[slot] = slot;
        this.heapPos[slot] = slot;
        this.counts[slot] = 0;
        this.errors[slot] = 0;
      } else {
        // Evict the least counted key; the newcomer inherits its count as the bound on its own overestimate.
        slot = this.heap[0];
        this.slotOf.delete(this.keys[slot]);
        this.errors[slot] = this.counts[slot];
      }
      const owned = ownCopy(key);
      this.keys[slot] = owned;
      this.slotOf.set(owned, slot);
    }
    this.counts[slot]++;
    // A key appended at the heap's end (count 1) may be smaller than its parent; every other case only grew a count.
    if (appended) this.siftUp(this.heapPos[slot]);
    else this.siftDown(this.heapPos[slot]);
  }

  /** The k most counted keys, most frequent first (ties by key, for reproducible output). */
  top(k: number): HeavyHitter[] {
    const all: HeavyHitter[] = [];
    for (let s = 0; s < this.size; s++) all.push({ key: this.keys[s], count: this.counts[s], error: this.errors[s] });
    all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return all.slice(0, k);
  }

  state(): SpaceSavingState {
    return { capacity: this.capacity, total: this.total, entries: this.top(this.size) };
  }

  /** The most an unmonitored key can have been counted: the smallest counter once the summary is full, else 0. */
  private static floor(entries: readonly HeavyHitter[], capacity: number): number {
    return entries.length < capacity ? 0 : entries.reduce((m, e) => Math.min(m, e.count), Infinity);
  }

  /**
   * Adds another shard's summary (of another part of the stream) by the mergeable-summaries rule (Agarwal et al.
   * 2012) in its space-saving form (Cafaro, Pulimeno & Tempesta 2016): add the counters, a key absent from a full
   * summary counting as that summary's smallest counter (the most it can have had there) with the same amount as
   * error; keep the `capacity` largest. Each count stays an upper bound and count − error a lower bound of the true
   * count; the kept counters sum to at most the total, so the smallest is ≤ total/capacity and every key above that
   * is still monitored — the guarantees of one pass, and the result merges again like any summary.
   */
  merge(other: SpaceSavingState): void {
    if (other.capacity !== this.capacity) throw new Error(`space-saving summaries of ${other.capacity} and ${this.capacity} counters cannot be merged`);
    const sides = [this.top(this.size), other.entries];
    const floors = [SpaceSaving.floor(sides[0], this.capacity), SpaceSaving.floor(sides[1], other.capacity)];
    const byKey = sides.map((entries) => new Map(entries.map((e) => [e.key, e])));
    const merged = [...new Set([...byKey[0].keys(), ...byKey[1].keys()])].map((key) => {
      const e = byKey.map((m) => m.get(key));
      return {
        key,
        count: (e[0]?.count ?? floors[0]) + (e[1]?.count ?? floors[1]),
        error: (e[0]?.error ?? floors[0]) + (e[1]?.error ?? floors[1]),
      };
    });
    const kept = merged
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, this.capacity);
    this.slotOf.clear();
    kept.forEach((e, slot) => {
      this.keys[slot] = e.key;
      this.slotOf.set(e.key, slot);
      this.counts[slot] = e.count;
      this.errors[slot] = e.error;
      this.heap[slot] = slot;
      this.heapPos[slot] = slot;
    });
    this.keys.length = kept.length;
    this.size = kept.length;
    this.total += other.total;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Min-heap order: the smaller count nearer the root (the key to evict). */
  private readonly above = (a: number, b: number) => this.counts[a] < this.counts[b];
  private readonly placed = (slot: number, index: number) => {
    this.heapPos[slot] = index;
  };

  private siftUp(i: number): void {
    siftUp(this.heap, i, this.above, this.placed);
  }

  private siftDown(i: number): void {
    siftDown(this.heap, i, this.size, this.above, this.placed);
  }
}

// Space-saving heavy hitters (Metwally, Agrawal & El Abbadi 2005): the most frequent keys of an unbounded stream
// in a fixed number of counters. Every key whose true count exceeds total/capacity is guaranteed to be monitored,
// and each reported count overestimates the truth by at most that key's `error`.

import { ownCopy } from './ownCopy.ts';

export interface HeavyHitter {
  key: string;
  count: number;
  /** Upper bound on the overestimate: the true count lies in [count − error, count]. */
  error: number;
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

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.counts[h[parent]] <= this.counts[h[i]]) return;
      [h[i], h[parent]] = [h[parent], h[i]];
      this.heapPos[h[i]] = i;
      this.heapPos[h[parent]] = parent;
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.size && this.counts[h[l]] < this.counts[h[smallest]]) smallest = l;
      if (r < this.size && this.counts[h[r]] < this.counts[h[smallest]]) smallest = r;
      if (smallest === i) return;
      [h[i], h[smallest]] = [h[smallest], h[i]];
      this.heapPos[h[i]] = i;
      this.heapPos[h[smallest]] = smallest;
      i = smallest;
    }
  }
}

// The shared heap sifts: a heap built and drained through them gives sorted order, and `placed` always knows where
// each item sits (space-saving relies on it to re-sift a key in place).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { siftDown, siftUp } from '../../../src/util/heap.ts';
import { Rng } from '../../../src/util/rng.ts';

test('pushing with siftUp and popping with siftDown yields the values in heap order', () => {
  const rng = new Rng(3);
  const values = Array.from({ length: 200 }, () => Math.floor(rng.next() * 50));
  const above = (a: number, b: number) => a > b; // a max-heap
  const h: number[] = [];
  for (const v of values) {
    h.push(v);
    siftUp(h, h.length - 1, above);
  }
  const popped: number[] = [];
  while (h.length > 0) {
    popped.push(h[0]);
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      siftDown(h, 0, h.length, above);
    }
  }
  assert.equal(popped, [...values].sort((a, b) => b - a));
});

test('placed tracks every slot, also when a count grows in the middle of the heap', () => {
  const rng = new Rng(5);
  const counts = Array.from({ length: 64 }, () => Math.floor(rng.next() * 10));
  const heap = Int32Array.from(counts.keys());
  const pos = Int32Array.from(counts.keys());
  const above = (a: number, b: number) => counts[a] < counts[b];
  const placed = (slot: number, index: number) => (pos[slot] = index);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, heap.length, above, placed);
  for (let step = 0; step < 500; step++) {
    const slot = Math.floor(rng.next() * counts.length);
    counts[slot] += 1 + Math.floor(rng.next() * 3);
    siftDown(heap, pos[slot], heap.length, above, placed);
    heap.forEach((s, i) => assert.is(pos[s], i));
    for (let i = 1; i < heap.length; i++) assert.ok(counts[heap[(i - 1) >> 1]] <= counts[heap[i]], `heap order at ${i}`);
  }
});

test.run();

// Spare buffers: a buffer of a fitting size comes back once, the pool keeps at most its capacity, and nothing
// empty (a detached buffer) is kept; spareOrFresh takes one in bounds or makes one of the asked capacity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpareBuffers, spareOrFresh } from '../../../src/util/spareBuffers.ts';

test('hands back a buffer of exactly the asked size by default, or within [bytes, atMost], once', () => {
  const buffers = new SpareBuffers(3);
  const [a, b, c, d] = [new ArrayBuffer(8), new ArrayBuffer(16), new ArrayBuffer(24), new ArrayBuffer(8)];
  for (const x of [a, b, c, d]) buffers.give(x); // d: over capacity, dropped
  buffers.give(new ArrayBuffer(0)); // nothing to reuse
  assert.is(buffers.take(32), null);
  assert.is(buffers.take(12), null, 'no buffer of exactly 12');
  assert.is(buffers.take(12, 20), b);
  assert.is(buffers.take(20, 100), c);
  assert.is(buffers.take(8), a);
  assert.is(buffers.take(8), null, 'each buffer comes back once; d was never kept');
});

test('spareOrFresh: a given-back buffer within [bytes, atMost], else a fresh one of max(bytes, capacity)', () => {
  const buffers = new SpareBuffers(2);
  const kept = new ArrayBuffer(40);
  buffers.give(kept);
  assert.is(spareOrFresh(buffers, 50, Infinity).byteLength, 50, 'none large enough: fresh, of the asked size');
  assert.is(spareOrFresh(buffers, 10, 20, 64).byteLength, 64, 'none within atMost: fresh, of the capacity');
  assert.is(spareOrFresh(buffers, 30, Infinity, 64), kept);
  assert.is(spareOrFresh(undefined, 12).byteLength, 12);
});

test.run();

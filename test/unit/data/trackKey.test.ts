// The track key of the hashed embedding: fixed values (a changed key scrambles every trained embedding), below 2^24
// (WebGPU's int32 `mod` is computed in float32), and for power-of-two bucket counts the same bucket as the full
// 31-bit FNV-1a hash that checkpoints before the cut used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trackKey } from '../../../src/data/format/trackKey.ts';
import { hashString } from '../../../src/util/rng.ts';

test('keys are fixed, below 2^24, and bucket like the 31-bit hash for power-of-two bucket counts', () => {
  // FNV-1a 32-bit of "" is 0x811c9dc5; its low 24 bits are 0x1c9dc5.
  assert.is(trackKey(''), 0x1c9dc5);
  const ids = Array.from({ length: 2000 }, (_, i) => `t_${i.toString(36)}-${(i * 7919).toString(16)}`);
  for (const id of ids) {
    const key = trackKey(id);
    assert.ok(Number.isInteger(key) && key >= 0 && key < 2 ** 24, id);
    assert.is(Math.fround(key), key, 'exact in float32');
    for (const buckets of [8192, 16384, 262144]) assert.is(key % buckets, (hashString(id) & 0x7fffffff) % buckets);
  }
  assert.ok(new Set(ids.map(trackKey)).size > 1990, 'distinct ids get distinct keys (up to rare collisions)');
});

test.run();

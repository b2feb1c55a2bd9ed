// The key of a track for the hashed track-id embedding, and a fingerprint of a whole track table.
//
// Key: FNV-1a, 32-bit, over the UTF-16 code units of the track id string (hashString in util/rng.ts), cut to its low
// 24 bits; the model takes it modulo model.trackBuckets (at most 2^24). 24 bits, because WebGPU computes int32 `mod`
// in float32, exact only below 2^24: wider keys put tracks in other buckets on the GPU than on the CPU. For a
// power-of-two bucket count (every shipped config) the bucket is the same as the full 31-bit key's. It depends on the id alone — not
// on the row of the track in the table — so any order of the track files (archive member order, a folder, a
// re-save) gives every track the same embedding, in every process and version. Changing this function would
// silently scramble every trained embedding: CHECKPOINT_TRACK_KEY names it in each checkpoint.
import { hashString } from '../../util/rng.ts';
import type { TrackTable } from './types.ts';

/** Names the key function in checkpoints; a checkpoint without it keyed tracks by table row (not usable). */
export const TRACK_KEY_NAME = 'fnv1a32-track-id-low24';

export function trackKey(id: string): number {
  return hashString(id) & 0xffffff;
}

const keysOf = new WeakMap<TrackTable, Int32Array>();

/** trackKey of every row, computed once per table (not per batch). */
export function trackKeys(table: TrackTable): Int32Array {
  let keys = keysOf.get(table);
  if (!keys || keys.length !== table.ids.length) {
    // A plain loop: Int32Array.from's iterator took ~1.7× as long over 200 k ids.
    keys = new Int32Array(table.ids.length);
    for (let row = 0; row < keys.length; row++) keys[row] = trackKey(table.ids[row]);
    keysOf.set(table, keys);
  }
  return keys;
}

export interface TrackTableFingerprint {
  tracks: number;
  /** 16 hex digits; independent of row order, changes with any id or feature value. */
  hash: string;
}

/** A fingerprint of the table's contents (ids and features), the same for any order of its rows. */
export function trackTableFingerprint(table: TrackTable): TrackTableFingerprint {
  const bits = new Uint32Array(table.features.buffer, table.features.byteOffset, table.ids.length * table.width);
  let sum = 0;
  let mixed = 0;
  for (let row = 0; row < table.ids.length; row++) {
    let h = hashString(table.ids[row]);
    for (let c = row * table.width, end = c + table.width; c < end; c++) h = Math.imul(h ^ bits[c], 0x01000193);
    // Two order-free combinations (a sum, and a sum of a remix) so that swapped values do not cancel out.
    sum = (sum + h) >>> 0;
    mixed = (mixed + Math.imul(h ^ (h >>> 15), 0x2c1b3c6d)) >>> 0;
  }
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return { tracks: table.ids.length, hash: hex(sum) + hex(mixed) };
}

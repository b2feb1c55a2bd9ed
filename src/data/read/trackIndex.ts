// The track table's ids as a byte-keyed hash table in shared memory, so parse workers turn a row's track id bytes
// into its table row without making a string: ids are interned once, when the table is loaded, and every worker
// reads the same memory. One per TrackTable (built on first use, ~50 bytes per track).
import type { TrackTable } from '../format/types.ts';

/** What crosses to a worker: shared buffers only (posting them shares, never copies). */
export interface SharedTrackIndex {
  /** Distinguishes tables within one process (workers keep a parser per table). */
  id: number;
  bytes: SharedArrayBuffer; // every id's UTF-8 bytes, back to back
  offsets: SharedArrayBuffer; // Uint32 [n + 1]: id k is bytes[offsets[k], offsets[k + 1])
  slots: SharedArrayBuffer; // Int32 open-addressing table: table row + 1, 0 = empty
}

/** One 32-bit word into a running hash: multiplied, then its high bits folded down (the table takes the low ones). */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * A hash of the length and at most the first and last 12 bytes (ids differ there, and a miss only costs a probe),
 * read four bytes at a time from `view`, a DataView of buf. The native range scanner computes it too
 * (rangeScanner.c hash_bytes, bit for bit): a change here is a change there.
 */
export function hashBytes(buf: Uint8Array, view: DataView, a: number, b: number): number {
  const n = b - a;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  if (n < 4) {
    for (let i = a; i < b; i++) h = mix(h, buf[i]);
  } else if (n <= 24) {
    let i = a;
    for (; i + 4 <= b; i += 4) h = mix(h, view.getInt32(i));
    if (i < b) h = mix(h, view.getInt32(b - 4)); // the last bytes, in a word that overlaps the one before
  } else {
    h = mix(mix(mix(h, view.getInt32(a)), view.getInt32(a + 4)), view.getInt32(a + 8));
    h = mix(mix(mix(h, view.getInt32(b - 12)), view.getInt32(b - 8)), view.getInt32(b - 4));
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

const built = new WeakMap<TrackTable, SharedTrackIndex>();
let nextId = 1;

export function sharedTrackIndex(table: TrackTable): SharedTrackIndex {
  let index = built.get(table);
  if (!index) built.set(table, (index = build(table.ids)));
  return index;
}

function build(ids: readonly string[]): SharedTrackIndex {
  const n = ids.length;
  let total = 0;
  for (const id of ids) total += Buffer.byteLength(id);
  const bytes = new SharedArrayBuffer(Math.max(1, total));
  const offsets = new SharedArrayBuffer(4 * (n + 1));
  let size = 1024;
  while (size < n * 2) size *= 2;
  const slots = new SharedArrayBuffer(4 * size);
  const buf = Buffer.from(bytes);
  const view = new DataView(bytes);
  const off = new Uint32Array(offsets);
  const slot = new Int32Array(slots);
  const mask = size - 1;
  let at = 0;
  for (let k = 0; k < n; k++) {
    off[k] = at;
    at += buf.write(ids[k], at);
    let s = hashBytes(buf, view, off[k], at) & mask;
    while (slot[s] !== 0) s = (s + 1) & mask;
    slot[s] = k + 1;
  }
  off[n] = at;
  return { id: nextId++, bytes, offsets, slots };
}

/** Lookups against a SharedTrackIndex (cheap to make: three views, which the native range scanner reads too). */
export class TrackLookup {
  readonly bytes: Uint8Array;
  private readonly bytesView: DataView;
  readonly offsets: Uint32Array;
  readonly slots: Int32Array;
  private readonly mask: number;

  constructor(index: SharedTrackIndex) {
    this.bytes = new Uint8Array(index.bytes);
    this.bytesView = new DataView(index.bytes);
    this.offsets = new Uint32Array(index.offsets);
    this.slots = new Int32Array(index.slots);
    this.mask = this.slots.length - 1;
  }

  /** The table row of the id written in buf[a, b), or -1. `view`: a DataView of buf (compared four bytes at a time). */
  row(buf: Uint8Array, view: DataView, a: number, b: number): number {
    const { bytes, bytesView, offsets, slots, mask } = this;
    const n = b - a;
    for (let s = hashBytes(buf, view, a, b) & mask; ; s = (s + 1) & mask) {
      const v = slots[s];
      if (v === 0) return -1;
      const start = offsets[v - 1];
      if (offsets[v] - start !== n) continue;
      let i = 0;
      while (i + 4 <= n && bytesView.getInt32(start + i) === view.getInt32(a + i)) i += 4;
      while (i < n && bytes[start + i] === buf[a + i]) i++;
      if (i === n) return v - 1;
    }
  }
}

// The on-disk layout of one cache block: a 16-byte header, the block's strings as JSON, then its typed arrays back to
// back, widest first so every array starts aligned (the reader takes views, it copies nothing). Blocks are padded to
// 4 bytes, so a shard file is just blocks one after another. The columns come from block.ts's table; today:
//
//   u32 magic 'SKB1' | u32 jsonBytes | u32 sessions S | u32 rows R | json (padded to 4)
//   u32 rowEnd[S] | u32 sessionLine[S] | i32 trackRow[R]
//   u16 sessionDay[S] | u16 flags[R] | u16 categories[R] | u16 date[R] | u16 seekFwd[R] | u16 seekBack[R]
//   u8 sessionLength[S] | u8 position[R] | u8 hour[R] | padding to 4
import { COLUMNS, makeBlock, type BlockArrays, type BlockStrings, type SessionBlock } from '../format/block.ts';

/** The columns in file order: widest element first (a stable sort of block.ts's table), so each starts aligned. */
const LAYOUT = [...COLUMNS].sort((a, b) => b.type.BYTES_PER_ELEMENT - a.type.BYTES_PER_ELEMENT);
const SESSION_BYTES = COLUMNS.filter((c) => !c.perRow).reduce((n, c) => n + c.type.BYTES_PER_ELEMENT, 0);
const ROW_BYTES = COLUMNS.filter((c) => c.perRow).reduce((n, c) => n + c.type.BYTES_PER_ELEMENT, 0);

export const BLOCK_MAGIC = 0x31424b53; // 'SKB1' little-endian
export const BLOCK_HEADER_BYTES = 16;

const pad4 = (n: number) => (n + 3) & ~3;

/** Bytes of a block's body (everything after the 16-byte header). */
export function blockBodyBytes(jsonBytes: number, sessions: number, rows: number): number {
  return pad4(jsonBytes) + pad4(SESSION_BYTES * sessions + ROW_BYTES * rows);
}

/** One block as bytes: header + body, ready to append to a shard file. */
export function serializeBlock(b: SessionBlock): Buffer {
  const S = b.ids.length;
  const R = S === 0 ? 0 : b.rowEnd[S - 1];
  const strings: BlockStrings = { label: b.label, ids: b.ids, days: b.days, dates: b.dates, extraTrackIds: b.extraTrackIds };
  const json = Buffer.from(JSON.stringify(strings), 'utf8');
  const total = BLOCK_HEADER_BYTES + blockBodyBytes(json.length, S, R);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(BLOCK_MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  out.writeUInt32LE(S, 8);
  out.writeUInt32LE(R, 12);
  json.copy(out, BLOCK_HEADER_BYTES);
  let at = BLOCK_HEADER_BYTES + pad4(json.length);
  for (const a of arraysInOrder(b)) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

function arraysInOrder(b: SessionBlock) {
  return LAYOUT.map((c) => b[c.name]);
}

export interface BlockHeader {
  jsonBytes: number;
  sessions: number;
  rows: number;
}

/** The header at `offset`, or null when the magic number is wrong (not a cache block, or a corrupt one). */
export function readBlockHeader(buf: Buffer, offset = 0): BlockHeader | null {
  if (buf.length - offset < BLOCK_HEADER_BYTES || buf.readUInt32LE(offset) !== BLOCK_MAGIC) return null;
  return { jsonBytes: buf.readUInt32LE(offset + 4), sessions: buf.readUInt32LE(offset + 8), rows: buf.readUInt32LE(offset + 12) };
}

/**
 * The block whose body is `body` (its own ArrayBuffer, or any 4-aligned slice of one). Views, not copies: the
 * caller must not reuse `body` while the block is in use.
 */
export function deserializeBlock(h: BlockHeader, body: Buffer): SessionBlock {
  if ((body.byteOffset & 3) !== 0) body = Buffer.from(body); // copy to realign (never happens for whole-block reads)
  const { sessions: S, rows: R } = h;
  const strings = JSON.parse(body.toString('utf8', 0, h.jsonBytes)) as BlockStrings;
  const ab = body.buffer;
  let at = body.byteOffset + pad4(h.jsonBytes);
  const arrays: Record<string, unknown> = {};
  for (const { name, perRow, type } of LAYOUT) {
    const n = perRow ? R : S;
    arrays[name] = new type(ab as ArrayBuffer, at, n);
    at += n * type.BYTES_PER_ELEMENT;
  }
  return makeBlock(strings, arrays as unknown as BlockArrays);
}

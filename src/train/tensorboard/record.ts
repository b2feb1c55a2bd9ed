// TFRecord framing, the container of TensorBoard event files. Each record is:
//   uint64 length (LE) | masked CRC32C of those 8 bytes | payload | masked CRC32C of the payload.
// Event files are only ever appended to, so a crash can leave the final record cut short. A checksum mismatch means
// the bytes that are there are wrong: the record is skipped, never decoded (its values could be anything), and
// reported; a damaged length cannot be trusted to find the next record, which is then searched for byte by byte (a
// place where a length, its CRC and the payload's CRC all match is a record boundary, but for 1 chance in 2^64).
import { crc32c } from '../../util/crc32c.ts';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

// TFRecord stores CRCs "masked": a CRC over data that itself holds CRCs is weak, so each is rotated and offset.
const MASK_DELTA = 0xa282ead8;

/** ((crc >>> 15) | (crc << 17)) + 0xa282ead8, mod 2^32. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

const maskedCrc32c = (bytes: Uint8Array) => maskCrc(crc32c(bytes));

export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length + FOOTER_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, HEADER_BYTES);
  view.setUint32(HEADER_BYTES + payload.length, maskedCrc32c(payload), true);
  return out;
}

/** Bytes skipped because they do not match their CRC: one damaged record, or a stretch whose framing was lost. */
export interface DamagedRecord {
  /** Byte offset in the file. */
  offset: number;
  bytes: number;
}

export interface Records {
  payloads: Uint8Array[];
  /** Bytes at the end that do not form a whole record (a write cut short by a crash); 0 normally. */
  truncatedBytes: number;
  /** Records (or stretches) skipped for a CRC mismatch, in file order; none normally. */
  damaged: DamagedRecord[];
}

type Framing = { view: DataView; bytes: Uint8Array };

/** The payload's end when a record with a valid header CRC starts at `offset`; 'short' when it runs past the file. */
function recordEnd({ view, bytes }: Framing, offset: number): number | 'bad header' | 'short' {
  const remaining = bytes.length - offset;
  if (remaining < HEADER_BYTES) return 'short';
  if (maskedCrc32c(bytes.subarray(offset, offset + 8)) !== view.getUint32(offset + 8, true)) return 'bad header';
  const length = view.getBigUint64(offset, true);
  if (length > BigInt(remaining - HEADER_BYTES - FOOTER_BYTES)) return 'short';
  return offset + HEADER_BYTES + Number(length);
}

const payloadIntact = ({ view, bytes }: Framing, offset: number, end: number) =>
  maskedCrc32c(bytes.subarray(offset + HEADER_BYTES, end)) === view.getUint32(end, true);

/** The next offset after `from` where a whole, intact record starts, or the file's length when there is none. */
function nextRecord(f: Framing, from: number): number {
  for (let offset = from + 1; offset + HEADER_BYTES + FOOTER_BYTES <= f.bytes.length; offset++) {
    const end = recordEnd(f, offset);
    if (typeof end === 'number' && payloadIntact(f, offset, end)) return offset;
  }
  return f.bytes.length;
}

/** Split a file into record payloads (views into `bytes`), checking both CRCs of every record. */
export function parseRecords(bytes: Uint8Array): Records {
  const f: Framing = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes };
  const payloads: Uint8Array[] = [];
  const damaged: DamagedRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = recordEnd(f, offset);
    if (end === 'short') return { payloads, truncatedBytes: bytes.length - offset, damaged };
    if (end === 'bad header') {
      const next = nextRecord(f, offset);
      damaged.push({ offset, bytes: next - offset });
      offset = next;
      continue;
    }
    if (payloadIntact(f, offset, end)) payloads.push(bytes.subarray(offset + HEADER_BYTES, end));
    else damaged.push({ offset, bytes: end + FOOTER_BYTES - offset });
    offset = end + FOOTER_BYTES;
  }
  return { payloads, truncatedBytes: 0, damaged };
}

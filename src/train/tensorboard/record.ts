// TFRecord framing, the container of TensorBoard event files. Each record is:
//   uint64 length (LE) | masked CRC32C of those 8 bytes | payload | masked CRC32C of the payload.
// Event files are only ever appended to, so a crash can leave the final record cut short; a checksum mismatch,
// however, means the bytes that are there are wrong, and is an error wherever it occurs.
import { DataError } from '../../errors.ts';
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

export interface Records {
  payloads: Uint8Array[];
  /** Bytes at the end that do not form a whole record (a write cut short by a crash); 0 normally. */
  truncatedBytes: number;
}

/**
 * Split a file into record payloads (views into `bytes`), checking both CRCs. `where` names the file in errors,
 * which also give the record index and byte offset.
 */
export function parseRecords(bytes: Uint8Array, where = 'event file'): Records {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const index = payloads.length;
    const remaining = bytes.length - offset;
    if (remaining < HEADER_BYTES) return { payloads, truncatedBytes: remaining };
    const storedHeaderCrc = view.getUint32(offset + 8, true);
    if (maskedCrc32c(bytes.subarray(offset, offset + 8)) !== storedHeaderCrc) {
      throw new DataError(`record ${index} (byte ${offset}): length checksum mismatch; the file is corrupt`, where);
    }
    const length = view.getBigUint64(offset, true);
    if (length > BigInt(remaining - HEADER_BYTES - FOOTER_BYTES)) return { payloads, truncatedBytes: remaining };
    const start = offset + HEADER_BYTES;
    const end = start + Number(length);
    if (maskedCrc32c(bytes.subarray(start, end)) !== view.getUint32(end, true)) {
      throw new DataError(`record ${index} (byte ${offset}): data checksum mismatch; the file is corrupt`, where);
    }
    payloads.push(bytes.subarray(start, end));
    offset = end + FOOTER_BYTES;
  }
  return { payloads, truncatedBytes: 0 };
}

// A Parquet row as the CSV line the log readers see, in the dataset's own spelling, and the checksum of those
// lines that `export --parquet` records in each file: Parquet pages carry no checksum that hyparquet writes or
// checks, so a flipped byte in a data page would otherwise read as another value. The checksum covers the text the
// reader hands on (header and rows), so whatever changed — a page, the footer's row counts or types — a file of
// ours reads as written or stops with an error naming it.
import { crc32c, crcText } from '../../util/crc32c.ts';
import { LOG_COLUMNS } from '../columns.ts';

/** The key-value metadata entry holding the CRC-32C (as crcText writes it) of the file's rows as CSV text. */
export const ROWS_CRC_KEY = 'skiptrain.rows_crc32c';

export const HEADER_TEXT = LOG_COLUMNS.join(',') + '\n';

/** Dates repeat row after row: each distinct day is formatted once. */
const dayText = new Map<number, string>();

/** One value as a CSV field: booleans true/false, DATE values YYYY-MM-DD, strings quoted where CSV needs it. */
export function fieldText(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    return v.includes(',') || v.includes('"') || v.includes('\n') || v.includes('\r') ? `"${v.replace(/"/g, '""')}"` : v;
  }
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const ms = v.getTime();
    let text = dayText.get(ms);
    if (text === undefined) dayText.set(ms, (text = v.toISOString().slice(0, 10)));
    return text;
  }
  return fieldText(String(v));
}

/** The running CRC-32C of CSV text handed on in pieces (start from the header, as the reader does). */
export class RowsCrc {
  private crc = crc32c(Buffer.from(HEADER_TEXT));

  add(text: Buffer | string): void {
    this.crc = crc32c(typeof text === 'string' ? Buffer.from(text) : text, this.crc);
  }

  get text(): string {
    return crcText(this.crc);
  }
}

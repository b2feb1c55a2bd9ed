// A file's decompressed bytes cut at line ends into ranges of about `rangeBytes` (whole lines, each in a buffer of
// its own: it is transferred to a parse worker), after its header: the first non-blank line, a leading BOM
// skipped, read here into the layout every range is parsed with. Chunks are copied straight into the buffer the
// range is handed out in; only the part line after a cut moves on to the next range's buffer.
import { DataError } from '../../errors.ts';
import { LOG_COLUMNS } from '../format/columns.ts';
import { headerPositions, isExactHeader, splitFields } from '../source/csv.ts';
import type { HeaderLayout } from './logrow.ts';

const NL = 0x0a;

export class RangeCutter {
  layout: HeaderLayout | null = null;
  /** The range being filled: its buffer is the one handed out once the range is cut. */
  private acc: Buffer;
  private fill = 0;
  /** File line number: of the line the header is looked for at; once it is read, of the line after it (fixed from then on). */
  line = 1;
  private started = false; // past a leading BOM

  constructor(
    private readonly label: string,
    private readonly rangeBytes: number,
    /** Memory for a range of n bytes (ParsePool.rangeBuffer: buffers of parsed ranges, reused). */
    private readonly rangeMemory: (n: number) => Uint8Array = (n) => new Uint8Array(n),
  ) {
    this.acc = this.memory(rangeBytes + rangeBytes / 4);
  }

  /** Takes a chunk; returns the ranges it completes (none before the header is read). */
  push(chunk: Buffer): Uint8Array[] {
    if (this.fill + chunk.length > this.acc.length) this.grow(this.fill + chunk.length);
    chunk.copy(this.acc, this.fill);
    this.fill += chunk.length;
    if (this.layout === null) this.readHeader(false);
    const ranges: Uint8Array[] = [];
    while (this.layout !== null && this.fill >= this.rangeBytes) {
      let cut = this.acc.lastIndexOf(NL, this.rangeBytes - 1);
      if (cut < 0) cut = this.acc.indexOf(NL, this.rangeBytes); // a line longer than a range
      if (cut < 0 || cut >= this.fill) break;
      ranges.push(this.cut(cut + 1, true));
    }
    return ranges;
  }

  /** The end of the file: the header if still unread (an empty file is an error), then the rest as one range. */
  end(): Uint8Array | null {
    if (this.layout === null) this.readHeader(true);
    if (this.layout === null) throw new DataError('empty file: no header line', this.label);
    return this.fill > 0 ? this.cut(this.fill, false) : null;
  }

  /** After a read failure: the whole lines read so far (none before the header), so their errors come first. */
  wholeLines(): Uint8Array | null {
    const cut = this.layout === null || this.fill === 0 ? -1 : this.acc.lastIndexOf(NL, this.fill - 1);
    const range = cut >= 0 ? this.cut(cut + 1, false) : null;
    this.fill = 0;
    return range;
  }

  /**
   * The first `end` bytes as a range, handed out in the buffer they were read into (the bytes are copied once). The
   * rest moves to the front of a fresh range's memory when more is to come; otherwise the cutter is left empty.
   */
  private cut(end: number, more: boolean): Uint8Array {
    const full = this.acc;
    const range = new Uint8Array(full.buffer, full.byteOffset, end);
    const rest = more ? this.fill - end : 0;
    this.acc = more ? this.memory(Math.max(this.rangeBytes + this.rangeBytes / 4, rest)) : Buffer.alloc(0);
    full.copy(this.acc, 0, end, end + rest);
    this.fill = rest;
    return range;
  }

  /** Memory of at least `bytes` for the range being filled (its whole buffer). */
  private memory(bytes: number): Buffer {
    const view = this.rangeMemory(bytes);
    return Buffer.from(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset);
  }

  /** Room for at least `bytes` (a line longer than a range, or a chunk after the cutter was emptied). */
  private grow(bytes: number): void {
    const bigger = this.memory(Math.max(this.acc.length * 2, bytes));
    this.acc.copy(bigger, 0, 0, this.fill);
    this.acc = bigger;
  }

  private readHeader(final: boolean): void {
    const acc = this.acc;
    let start = 0;
    if (!this.started && this.fill >= 3 && acc[0] === 0xef && acc[1] === 0xbb && acc[2] === 0xbf) start = 3;
    if (!this.started && (this.fill >= 3 || final)) this.started = true;
    if (!this.started) return;
    while (this.layout === null) {
      let nl = acc.indexOf(NL, start);
      if (nl < 0 || nl >= this.fill) {
        if (!final || start >= this.fill) break;
        nl = this.fill;
      }
      let end = nl;
      if (end > start && acc[end - 1] === 0x0d) end--;
      if (end > start) {
        const header = splitFields(acc.toString('utf8', start, end));
        const positions = headerPositions(header, LOG_COLUMNS, `${this.label}:${this.line}`);
        this.layout = { positions, width: header.length, exact: isExactHeader(positions, header.length) };
      }
      this.line++;
      start = Math.min(nl + 1, this.fill);
    }
    if (start > 0) {
      acc.copyWithin(0, start, this.fill);
      this.fill -= start;
    }
  }
}

// The rows of one byte range as the range parser gives them (typed columns, one entry per data row, and the strings
// they point into), and the columns while they grow.
import type { SlashEvidence } from './dateOrder.ts';

/** The rows of one range. Typed arrays may be longer than `rows`; only [0, rows) is meaningful. */
export interface RangeRows {
  rows: number;
  /** Lines in the range ('\n' count, plus one for a last line without one): the next range starts that much later. */
  lines: number;
  line: Uint32Array; // 0-based line of the row within the range
  run: Uint32Array; // index into ids: a new run starts where session_id differs from the previous row's
  length: Uint8Array; // session_length (already checked 1..MAX_SESSION_LENGTH)
  position: Float64Array; // session_position as written, any size (grouping checks it and names it)
  flags: Uint16Array; // SessionBlock flag bits
  categories: Uint16Array; // contextType | reasonStart << 4 | reasonEnd << 8
  date: Uint16Array; // index into dates
  seekFwd: Uint16Array;
  seekBack: Uint16Array;
  hour: Uint8Array;
  track: Int32Array; // ≥ 0: track table row; < 0: tracks[-1 - v] (all of them when the parser has no table)
  ids: string[];
  dates: string[]; // normalised YYYY-MM-DD; under auto, slash dates both orders read are as written (dateOrder.ts)
  /** Under auto, what the range says about its file's slash order; null for an explicit dateFormat. */
  slash: SlashEvidence | null;
  tracks: string[];
  /**
   * Per CATEGORICAL_COLUMNS column, the first few distinct values outside its vocabulary in the range, in row order
   * (its rows hold the "other" slot); null when every value was known.
   */
  unknownExamples: string[][] | null;
  /** The first bad line: everything before it is in the columns, nothing after it was read. */
  error: { line: number; reason: string } | null;
}

export function rangeBuffers(r: RangeRows): ArrayBuffer[] {
  return [r.line, r.run, r.length, r.position, r.flags, r.categories, r.date, r.seekFwd, r.seekBack, r.hour, r.track].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** A range's columns while it is parsed: every row written by one call, all columns doubled when full. */
export class RowColumns {
  private cap: number;
  line: Uint32Array;
  run: Uint32Array;
  length: Uint8Array;
  position: Float64Array;
  flags: Uint16Array;
  categories: Uint16Array;
  date: Uint16Array;
  seekFwd: Uint16Array;
  seekBack: Uint16Array;
  hour: Uint8Array;
  track: Int32Array;

  constructor(capacity: number) {
    const n = (this.cap = capacity);
    this.line = new Uint32Array(n);
    this.run = new Uint32Array(n);
    this.length = new Uint8Array(n);
    this.position = new Float64Array(n);
    this.flags = new Uint16Array(n);
    this.categories = new Uint16Array(n);
    this.date = new Uint16Array(n);
    this.seekFwd = new Uint16Array(n);
    this.seekBack = new Uint16Array(n);
    this.hour = new Uint8Array(n);
    this.track = new Int32Array(n);
  }

  /** Row r's values (r ≤ the rows written so far). */
  set(r: number, line: number, run: number, length: number, position: number, flags: number, categories: number, date: number, seekFwd: number, seekBack: number, hour: number, track: number): void {
    if (r === this.cap) this.grow();
    this.line[r] = line;
    this.run[r] = run;
    this.length[r] = length;
    this.position[r] = position;
    this.flags[r] = flags;
    this.categories[r] = categories;
    this.date[r] = date;
    this.seekFwd[r] = seekFwd;
    this.seekBack[r] = seekBack;
    this.hour[r] = hour;
    this.track[r] = track;
  }

  private grow(): void {
    const n = (this.cap *= 2);
    this.line = grow(this.line, n);
    this.run = grow(this.run, n);
    this.length = grow(this.length, n);
    this.position = grow(this.position, n);
    this.flags = grow(this.flags, n);
    this.categories = grow(this.categories, n);
    this.date = grow(this.date, n);
    this.seekFwd = grow(this.seekFwd, n);
    this.seekBack = grow(this.seekBack, n);
    this.hour = grow(this.hour, n);
    this.track = grow(this.track, n);
  }
}

/** A copy of `a` in a typed array of length n (n ≥ a.length). */
export function grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

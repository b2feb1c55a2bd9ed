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

/** The typed columns of a range's rows (RangeRows' arrays), each with its array type. */
const COLUMN_TYPES = {
  line: Uint32Array,
  run: Uint32Array,
  length: Uint8Array,
  position: Float64Array,
  flags: Uint16Array,
  categories: Uint16Array,
  date: Uint16Array,
  seekFwd: Uint16Array,
  seekBack: Uint16Array,
  hour: Uint8Array,
  track: Int32Array,
} as const;
type ColumnName = keyof typeof COLUMN_TYPES;
type Columns = { [K in ColumnName]: InstanceType<(typeof COLUMN_TYPES)[K]> };
const COLUMN_NAMES = Object.keys(COLUMN_TYPES) as ColumnName[];

/** The buffers of a range's columns, moved (not copied) when the range goes to another thread. */
export function rangeBuffers(r: RangeRows): ArrayBuffer[] {
  return COLUMN_NAMES.map((name) => r[name].buffer as ArrayBuffer);
}

/** A range's columns while it is parsed: every row written by one call, all columns doubled when full. */
export interface RowColumns extends Columns {}
export class RowColumns {
  private cap: number;

  constructor(capacity: number) {
    this.cap = capacity;
    const columns = this as Record<ColumnName, unknown>;
    for (const name of COLUMN_NAMES) columns[name] = new COLUMN_TYPES[name](capacity);
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
    this.cap *= 2;
    const columns = this as Record<ColumnName, Columns[ColumnName]>;
    for (const name of COLUMN_NAMES) columns[name] = grow(columns[name], this.cap);
  }
}

/** A copy of `a` in a typed array of length n (n ≥ a.length). */
export function grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

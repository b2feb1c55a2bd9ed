// Bytes → columns: one byte range of a decompressed log file (whole lines, after the header) parsed into typed
// columns, one entry per data row. No object per row and no string per numeric, boolean or categorical field;
// session ids are made once per run of equal ids, dates once per distinct spelling, track ids once per distinct id
// in the range. The common case runs in C where the addon is built (nativeRangeScanner.ts): it reads lines as
// byteRow reads them and leaves every other line to byteRow, here the fallback and the reference. A line in a
// spelling the byte path does not recognise (quotes, signs, TRUE, a re-ordered header…) goes through logrow.ts
// parseRowText, the reference, so values and error messages are the reader's own. A
// categorical value outside its vocabulary is stored as the "other" slot and kept as an example (a few per column
// and range), or under data.unknownCategories 'error' is the range's error at its line.
// The range knows nothing of its place in the file: lines are counted from 0 here, session grouping and every
// check that spans rows happen in order on the main thread (assembler.ts). Runs in a parse worker or inline.
import { DataError } from '../../errors.ts';
import { CATEGORICAL_COLUMNS, LOG_COLUMNS, MAX_SESSION_LENGTH } from '../format/columns.ts';
import type { DataConfig } from '../format/dataConfig.ts';
import type { DateFormat } from '../format/dates.ts';
import { DateCache, parseRowText, type HeaderLayout } from './logrow.ts';
import { packFlags } from '../format/block.ts';
import { SlashDates } from './dateOrder.ts';
import { grow, RowColumns, type RangeRows } from './rangeRows.ts';
import { hashBytes, TrackLookup } from './trackIndex.ts';
import { equalBytes, VocabBytes } from './vocabBytes.ts';
import { Interner } from '../../util/interner.ts';
import { OTHER_SLOTS, UNKNOWN_EXAMPLES, unknownCategoryRefusal } from '../format/unknownCategories.ts';
import { DATES_SEEN, defaultRangeScanner, NativeRangeScanner, SCAN, type RangeScannerKind } from './nativeRangeScanner.ts';

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const COMMAS = 0x2c2c2c2c;
const QUOTE = 0x22;
const SEEK_MAX = 0xffff;
/** The native scanner records byte positions in Int32Arrays: a longer buffer is parsed in JavaScript. */
const SCAN_MAX_BYTES = 0x7fffffff;
/**
 * The columns in the order the byte path reads them (a file whose header is exactly LOG_COLUMNS): the session id,
 * two numbers, the track id, eight booleans (flag bits 0–7), two numbers, a boolean (bit 8), a number, the date, a
 * boolean (bit 9: block.ts FLAG_NAMES order) and the three categorical columns (CATEGORICAL_COLUMNS order).
 */
const BYTE_PATH_COLUMNS = [
  'session_id',
  'session_position',
  'session_length',
  'track_id_clean',
  'skip_1',
  'skip_2',
  'skip_3',
  'not_skipped',
  'context_switch',
  'no_pause_before_play',
  'short_pause_before_play',
  'long_pause_before_play',
  'hist_user_behavior_n_seekfwd',
  'hist_user_behavior_n_seekback',
  'hist_user_behavior_is_shuffle',
  'hour_of_day',
  'date',
  'premium',
  'context_type',
  'hist_user_behavior_reason_start',
  'hist_user_behavior_reason_end',
];
if (LOG_COLUMNS.join() !== BYTE_PATH_COLUMNS.join() || CATEGORICAL_COLUMNS.map((c) => c.column).join() !== BYTE_PATH_COLUMNS.slice(18).join()) {
  throw new Error('rangeParser: LOG_COLUMNS or CATEGORICAL_COLUMNS changed; the byte path reads the columns in BYTE_PATH_COLUMNS order');
}

// In CATEGORICAL_COLUMNS order, as the 4-bit fields of `categories`.
const [CONTEXT, START, END] = CATEGORICAL_COLUMNS.map((c) => new VocabBytes(c.vocab));

/** Whether buf[a, b) and buf[c, d) hold the same bytes; `view` is a DataView of buf, read four bytes at a time. */
function sameBytes(buf: Uint8Array, view: DataView, a: number, b: number, c: number, d: number): boolean {
  const n = b - a;
  if (n !== d - c) return false;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (view.getInt32(a + i) !== view.getInt32(c + i)) return false;
  for (; i < n; i++) if (buf[a + i] !== buf[c + i]) return false;
  return true;
}

/** Where the field read last by boolField or numberField ends: the index of its comma, when it has one. */
let fieldEnd = 0;

/** Whether a field ending at e (before the line's end b) is followed by its comma. */
const delimited = (buf: Uint8Array, e: number, b: number): boolean => e < b && buf[e] === COMMA;

/**
 * The boolean field at buf[i]: 1 / 0 for the spellings logrow.ts bool accepts without a string (1, 0, true, false in
 * any letter case), else -1. Sets fieldEnd.
 */
function boolField(buf: Uint8Array, i: number, b: number): number {
  if (i < b && delimited(buf, i + 1, b)) {
    fieldEnd = i + 1;
    return buf[i] === 0x31 ? 1 : buf[i] === 0x30 ? 0 : -1; // not folded: 0x10 | 0x20 is '0'
  }
  const c = buf[i] | 0x20;
  if (i + 4 <= b && c === 0x74 && (buf[i + 1] | 0x20) === 0x72 && (buf[i + 2] | 0x20) === 0x75 && (buf[i + 3] | 0x20) === 0x65) {
    fieldEnd = i + 4;
    return delimited(buf, i + 4, b) ? 1 : -1;
  }
  if (
    i + 5 <= b &&
    c === 0x66 &&
    (buf[i + 1] | 0x20) === 0x61 &&
    (buf[i + 2] | 0x20) === 0x6c &&
    (buf[i + 3] | 0x20) === 0x73 &&
    (buf[i + 4] | 0x20) === 0x65
  ) {
    fieldEnd = i + 5;
    return delimited(buf, i + 5, b) ? 0 : -1;
  }
  return -1;
}

/** The number field at buf[i]: plain digits (at most 9) as a number, else -1 (for the reference parser). Sets fieldEnd. */
function numberField(buf: Uint8Array, i: number, b: number): number {
  let n = 0;
  let e = i;
  for (; e < b; e++) {
    const d = buf[e] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  fieldEnd = e;
  return e === i || e - i > 9 || !delimited(buf, e, b) ? -1 : n;
}

/**
 * The end of the field at buf[i]: its comma, or `b`. Four bytes at a time while none of them is a comma (a word with
 * a zero byte after XOR with four commas: the classic bit trick, exact for "has one").
 */
function textEnd(buf: Uint8Array, view: DataView, i: number, b: number): number {
  for (; i + 4 <= b; i += 4) {
    const x = view.getInt32(i) ^ COMMAS;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
  }
  while (i < b && buf[i] !== COMMA) i++;
  return i;
}

/**
 * Track ids to dense indices without a string per row: ids are hashed and compared as bytes of the range, and a
 * string is made only for the first occurrence of each. The native scanner looks ids up in the same tables and adds
 * entries itself (their strings are made by adopt).
 */
class ByteInterner {
  readonly values: string[] = [];
  /** Entry k is buf[starts[k], ends[k]) (-1: interned by value); [values.length, capacity) is room. */
  starts: Int32Array;
  ends: Int32Array;
  private readonly byValue = new Map<string, number>();
  slots: Int32Array; // index + 1, 0 = empty
  private mask: number;
  private readonly view: DataView;

  constructor(
    private readonly buf: Buffer,
    expected: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let size = 1024;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.starts = new Int32Array(size / 2);
    this.ends = new Int32Array(size / 2);
  }

  index(a: number, b: number): number {
    const buf = this.buf;
    const h = hashBytes(buf, this.view, a, b);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const v = this.slots[slot];
      if (v === 0) {
        const k = this.push(buf.toString('utf8', a, b), a, b);
        this.slots[slot] = k + 1;
        if (this.values.length * 2 > this.mask) this.rehash();
        return k;
      }
      if (sameBytes(buf, this.view, a, b, this.starts[v - 1], this.ends[v - 1])) return v - 1;
    }
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const buf = this.buf;
    for (let k = 0; k < this.values.length; k++) {
      if (this.starts[k] < 0) continue; // interned by value, not in the table
      const h = hashBytes(buf, this.view, this.starts[k], this.ends[k]);
      let slot = h & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = k + 1;
    }
  }

  /** An id read by the reference path (maybe quoted): interned by value; a byte-path twin may get its own index. */
  indexValue(id: string): number {
    let k = this.byValue.get(id);
    if (k === undefined) {
      k = this.push(id, -1, -1);
      this.byValue.set(id, k);
    }
    return k;
  }

  /** The strings of the entries the native scanner added: all up to `count`. */
  adopt(count: number): void {
    for (let k = this.values.length; k < count; k++) this.values.push(this.buf.toString('utf8', this.starts[k], this.ends[k]));
  }

  private push(value: string, a: number, b: number): number {
    const k = this.values.length;
    if (k === this.starts.length) {
      this.starts = grow(this.starts, 2 * k);
      this.ends = grow(this.ends, 2 * k);
    }
    this.values.push(value);
    this.starts[k] = a;
    this.ends[k] = b;
    return k;
  }
}

/**
 * The first UNKNOWN_EXAMPLES distinct values per categorical column that fall outside its vocabulary. Byte-path
 * values are compared as bytes: a string is made only for a new example, nothing once a column has its examples.
 */
class UnknownExamples {
  readonly values: string[][] = CATEGORICAL_COLUMNS.map(() => []);
  private readonly bytes: Buffer[][] = CATEGORICAL_COLUMNS.map(() => []);

  /** The value of column `category` in buf[a, b). */
  addBytes(category: number, buf: Buffer, a: number, b: number): void {
    const seen = this.bytes[category];
    if (seen.length === UNKNOWN_EXAMPLES) return;
    for (const word of seen) if (equalBytes(buf, a, b, word)) return;
    const value = buf.toString('utf8', a, b);
    this.values[category].push(value);
    seen.push(Buffer.from(value));
  }

  /** A value read by the reference path. */
  add(category: number, value: string): void {
    const values = this.values[category];
    if (values.length < UNKNOWN_EXAMPLES && !values.includes(value)) {
      values.push(value);
      this.bytes[category].push(Buffer.from(value));
    }
  }
}

/**
 * What parsing one range has made so far: the rows' columns and the strings they point into, and what the next line
 * is compared with (the previous row's session id bytes, the last date's bytes and index).
 */
class RangeOutput {
  readonly columns: RowColumns;
  readonly ids: string[] = [];
  readonly dates = new Interner();
  readonly tracks: ByteInterner;
  private examples: UnknownExamples | null = null; // made at the first value outside a vocabulary
  rows = 0;
  /** The previous row's session id in the range's bytes, when the byte path read it (else -1). */
  idA = -1;
  idB = -1;
  /** The last byte-path date's bytes and index (dateA -1: none). */
  dateA = -1;
  dateB = -1;
  dateIndex = 0;
  /** The first DATES_SEEN date spellings byte rows read, [start, end, index] each: the native scanner reuses them. */
  private readonly datesSeen: number[] = [];

  constructor(
    private readonly buf: Buffer,
    bytes: number,
    capacity = Math.max(64, Math.ceil(bytes / 80)),
  ) {
    this.columns = new RowColumns(capacity);
    this.tracks = new ByteInterner(buf, Math.ceil(bytes / 150));
  }

  /** The date in buf[a, b) has index `index` (its spelling read afresh, at the line being read). */
  dateRead(a: number, b: number, index: number): void {
    this.dateIndex = index;
    this.dateA = a;
    this.dateB = b;
    if (this.datesSeen.length < 3 * DATES_SEEN) this.datesSeen.push(a, b, index);
  }

  /**
   * Lines from buf[s] (line `line`) up to `end` through the native scanner, until one it leaves to JavaScript: the
   * rows, runs and track ids it read added here. Returns where that line starts (≥ end: none); its number is the
   * scanner's state.line.
   */
  scan(scanner: NativeRangeScanner, s: number, end: number, line: number): number {
    const st = scanner.state;
    st[SCAN.at] = s;
    st[SCAN.end] = end;
    st[SCAN.line] = line;
    st[SCAN.rows] = this.rows;
    st[SCAN.run] = this.ids.length - 1;
    st[SCAN.idA] = this.idA;
    st[SCAN.idB] = this.idB;
    st[SCAN.dateA] = this.dateA;
    st[SCAN.dateB] = this.dateB;
    st[SCAN.dateIndex] = this.dateIndex;
    st[SCAN.tracks] = this.tracks.values.length;
    st[SCAN.dates] = this.datesSeen.length / 3;
    st.set(this.datesSeen, SCAN.dateSeen);
    scanner.scan(this.buf, this.columns, this.tracks);
    const runs = scanner.runs;
    for (let r = 0; r < st[SCAN.runsMade]; r++) this.newRun(this.buf.toString('utf8', runs[2 * r], runs[2 * r + 1]), runs[2 * r], runs[2 * r + 1]);
    this.tracks.adopt(st[SCAN.tracks]);
    this.rows = st[SCAN.rows];
    this.dateA = st[SCAN.dateA];
    this.dateB = st[SCAN.dateB];
    this.dateIndex = st[SCAN.dateIndex];
    return st[SCAN.at];
  }

  unknown(): UnknownExamples {
    return (this.examples ??= new UnknownExamples());
  }

  /**
   * A new run of rows from here (the assembler compares run boundaries' ids): `id`, whose bytes are buf[a, b) when
   * the byte path read it (a -1 when not).
   */
  newRun(id: string, a: number, b: number): void {
    this.ids.push(id);
    this.idA = a;
    this.idB = b;
  }

  /** The next row, in the current run. */
  add(line: number, length: number, position: number, flags: number, categories: number, date: number, seekFwd: number, seekBack: number, hour: number, track: number): void {
    this.columns.set(this.rows++, line, this.ids.length - 1, length, position, flags, categories, date, seekFwd, seekBack, hour, track);
  }

  finish(lines: number, error: RangeRows['error'], slash: RangeRows['slash']): RangeRows {
    const { line, run, length, position, flags, categories, date, seekFwd, seekBack, hour, track } = this.columns;
    return {
      ...{ rows: this.rows, lines, line, run, length, position, flags, categories, date, seekFwd, seekBack, hour, track },
      ...{ ids: this.ids, dates: this.dates.values, tracks: this.tracks.values, unknownExamples: this.examples?.values ?? null, slash, error },
    };
  }
}

/** Dates are parsed once per distinct spelling; a parser keeps its caches from range to range. */
export class RangeParser {
  private readonly dates: DateCache;
  private readonly slashDates: SlashDates | null;
  private readonly scanner: NativeRangeScanner | null;

  constructor(
    private readonly layout: HeaderLayout,
    readonly dateFormat: DateFormat,
    /** The track table's ids: rows name table rows directly, and only other ids become strings. */
    private readonly table: TrackLookup | null = null,
    private readonly unknownCategories: DataConfig['unknownCategories'] = 'other',
    /** Who reads the common lines: C (throws when the addon lacks it) or byteRow alone. */
    scanner: RangeScannerKind = defaultRangeScanner(),
    /** The columns' first capacity (default: enough for the range's bytes); tests make it small to make them grow. */
    private readonly capacity?: number,
  ) {
    this.slashDates = dateFormat === 'auto' ? new SlashDates() : null;
    this.dates = this.slashDates ?? new DateCache(dateFormat);
    this.scanner = scanner === 'native' ? new NativeRangeScanner(table, { maxLength: MAX_SESSION_LENGTH, seekMax: SEEK_MAX }) : null;
  }

  /**
   * Rows of buf[start, end): whole lines (the last may lack its '\n'); blank lines count but hold no row. `fileDay`:
   * the day in the file's name, evidence of its slash order under auto.
   */
  parse(bytes: Uint8Array, start: number, end: number, fileDay: string | null = null): RangeRows {
    this.slashDates?.begin(fileDay);
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const out = new RangeOutput(buf, end - start, this.capacity);
    const byteWise = this.layout.exact && buf.subarray(start, end).indexOf(QUOTE) < 0;
    const scanner = byteWise && buf.length <= SCAN_MAX_BYTES ? this.scanner : null;
    let error: RangeRows['error'] = null;
    let lineNo = 0;
    for (let s = start; s < end && error === null; ) {
      if (scanner !== null) {
        s = out.scan(scanner, s, end, lineNo);
        lineNo = scanner.state[SCAN.line];
        if (s >= end) break;
      }
      let nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= end) nl = end;
      const a = s;
      let b = nl;
      s = nl + 1;
      const no = lineNo++;
      if (b > a && buf[b - 1] === CR) b--;
      if (a === b) continue;
      if (byteWise && this.byteRow(out, buf, view, a, b, no)) continue;
      const reason = this.referenceRow(out, buf.toString('utf8', a, b), no);
      if (reason !== null) error = { line: no, reason };
    }
    return out.finish(lineNo, error, this.slashDates?.evidence() ?? null);
  }

  /**
   * Line buf[a, b) as a row read straight from its bytes: the fields in file order (BYTE_PATH_COLUMNS), each
   * delimited as it is read, numbers and booleans parsed where they are found, the session id first tried as the
   * previous row's bytes followed by a comma. False, with nothing written, for a line the reference must read.
   */
  private byteRow(out: RangeOutput, buf: Buffer, view: DataView, a: number, b: number, no: number): boolean {
    let i = a;
    let e = -1;
    let sameId = false;
    if (out.idA >= 0) {
      const idEnd = i + (out.idB - out.idA);
      if (idEnd < b && buf[idEnd] === COMMA && sameBytes(buf, view, i, idEnd, out.idA, out.idB)) {
        sameId = true;
        e = idEnd;
      }
    }
    if (e < 0 && (e = textEnd(buf, view, i, b)) === b) return false;
    const idEnd = e;
    const pos = numberField(buf, e + 1, b);
    if (pos < 0) return false;
    const len = numberField(buf, fieldEnd + 1, b);
    if (len < 1 || len > MAX_SESSION_LENGTH) return false;
    const ta = fieldEnd + 1;
    const tb = textEnd(buf, view, ta, b);
    if (tb === b) return false;
    i = tb + 1;
    let bits = 0;
    for (let q = 0; q < 8; q++) {
      const v = boolField(buf, i, b);
      if (v < 0) return false;
      bits |= v << q;
      i = fieldEnd + 1;
    }
    const fwd = numberField(buf, i, b);
    if (fwd < 0 || fwd > SEEK_MAX) return false;
    const back = numberField(buf, fieldEnd + 1, b);
    if (back < 0 || back > SEEK_MAX) return false;
    const shuffle = boolField(buf, fieldEnd + 1, b);
    if (shuffle < 0) return false;
    const h = numberField(buf, fieldEnd + 1, b);
    if (h < 0 || h > 23) return false;
    const da = fieldEnd + 1;
    const db = textEnd(buf, view, da, b);
    if (db === b) return false;
    const premium = boolField(buf, db + 1, b);
    if (premium < 0) return false;
    bits |= (shuffle << 8) | (premium << 9);
    const ca = fieldEnd + 1;
    const cb = textEnd(buf, view, ca, b);
    if (cb === b) return false;
    const sa = cb + 1;
    const sb = textEnd(buf, view, sa, b);
    if (sb === b) return false;
    const ea = sb + 1;
    if (textEnd(buf, view, ea, b) !== b) return false; // the last field ends the line
    const eb = b;
    if (out.dateA < 0 || !sameBytes(buf, view, da, db, out.dateA, out.dateB)) {
      let value: string;
      if (this.slashDates) this.slashDates.line = no;
      try {
        value = this.dates.get(buf.toString('utf8', da, db), '', -1);
      } catch {
        return false; // the reference names it
      }
      out.dateRead(da, db, out.dates.index(value));
    }
    const packed = CONTEXT.indexOf(buf, view, ca, cb) | (START.indexOf(buf, view, sa, sb) << 4) | (END.indexOf(buf, view, ea, eb) << 8);
    const others = OTHER_SLOTS[packed];
    if (others !== 0) {
      if (this.unknownCategories === 'error') return false; // the reference path names the value
      const bounds = [ca, cb, sa, sb, ea, eb]; // in CATEGORICAL_COLUMNS order
      for (let c = 0; c < CATEGORICAL_COLUMNS.length; c++) {
        if (others & (1 << c)) out.unknown().addBytes(c, buf, bounds[2 * c], bounds[2 * c + 1]);
      }
    }
    if (!sameId) out.newRun(buf.toString('utf8', a, idEnd), a, idEnd);
    const known = this.table === null ? -1 : this.table.row(buf, view, ta, tb);
    out.add(no, len, pos, bits, packed, out.dateIndex, fwd, back, h, known >= 0 ? known : -1 - out.tracks.index(ta, tb));
    return true;
  }

  /** Line `text` through the reference path (referenceLine): its row added, or why it is refused. */
  private referenceRow(out: RangeOutput, text: string, no: number): string | null {
    if (this.slashDates) this.slashDates.line = no;
    const parsed = this.referenceLine(text);
    if (typeof parsed === 'string') return parsed;
    const row = parsed.row;
    if (parsed.unknown !== null) for (const u of parsed.unknown) out.unknown().add(u.category, u.value);
    if (out.idA >= 0 || out.ids.length === 0 || out.ids[out.ids.length - 1] !== parsed.id) out.newRun(parsed.id, -1, -1);
    out.dateA = -1; // the date bytes cache only describes byte-path rows
    const id = Buffer.from(row.trackId);
    const known = this.table === null ? -1 : this.table.row(id, new DataView(id.buffer, id.byteOffset, id.length), 0, id.length);
    const categories = row.contextType | (row.reasonStart << 4) | (row.reasonEnd << 8);
    const track = known >= 0 ? known : -1 - out.tracks.indexValue(row.trackId);
    out.add(no, parsed.length, row.position, packFlags(row), categories, out.dates.index(row.date), row.seekFwd, row.seekBack, row.hour, track);
    return null;
  }

  /**
   * One line through the reference parser (logrow.ts parseRowText): its row, or why it is refused, in the reader's
   * words — including the checks the byte path makes on its own (seek counts beyond the columns' range, a value
   * outside a vocabulary under data.unknownCategories: error).
   */
  private referenceLine(text: string): ReturnType<typeof parseRowText> | string {
    let parsed;
    try {
      parsed = parseRowText(text, this.layout, '', -1, this.dates);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      return e.message;
    }
    const { seekFwd, seekBack } = parsed.row;
    if (seekFwd < 0 || seekFwd > SEEK_MAX || seekBack < 0 || seekBack > SEEK_MAX) {
      const col = seekFwd < 0 || seekFwd > SEEK_MAX ? 'hist_user_behavior_n_seekfwd' : 'hist_user_behavior_n_seekback';
      return `column '${col}' must be 0..${SEEK_MAX}, found ${col.endsWith('fwd') ? seekFwd : seekBack}`;
    }
    if (parsed.unknown !== null && this.unknownCategories === 'error') return unknownCategoryRefusal(parsed.unknown[0].category, parsed.unknown[0].value);
    return parsed;
  }
}

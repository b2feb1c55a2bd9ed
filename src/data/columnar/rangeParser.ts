// Bytes → columns: one byte range of a decompressed log file (whole lines, after the header) parsed into typed
// columns, one entry per data row. No object per row and no string per numeric, boolean or categorical field;
// session ids are made once per run of equal ids, dates once per distinct spelling, track ids once per distinct id
// in the range. A line in a spelling the byte path does not recognise (quotes, signs, TRUE, a re-ordered header…)
// goes through logrow.ts parseRowText, the reference, so values and error messages are the reader's own. A
// categorical value outside its vocabulary is stored as the "other" slot and kept as an example (a few per column
// and range), or under data.unknownCategories 'error' is the range's error at its line.
// The range knows nothing of its place in the file: lines are counted from 0 here, session grouping and every
// check that spans rows happen in order on the main thread (assembler.ts). Runs in a parse worker or inline.
import { DataError } from '../../errors.ts';
import { CATEGORICAL_COLUMNS, LOG_COLUMN, LOG_COLUMNS, MAX_SESSION_LENGTH } from '../columns.ts';
import type { DataConfig } from '../dataConfig.ts';
import type { DateFormat } from '../dates.ts';
import { DateCache, parseRowText, type HeaderLayout } from '../logrow.ts';
import type { LogRow } from '../types.ts';
import { packFlags } from '../cache/block.ts';
import { SlashDates, type SlashEvidence } from './dateOrder.ts';
import { hashBytes, TrackLookup } from './trackIndex.ts';
import { equalBytes, VocabBytes } from './vocabBytes.ts';
import { Interner } from '../../util/interner.ts';
import { OTHER_SLOTS, UNKNOWN_EXAMPLES, unknownCategoryRefusal } from '../unknownCategories.ts';

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

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const COMMAS = 0x2c2c2c2c;
const QUOTE = 0x22;
const N = LOG_COLUMNS.length;
const C = LOG_COLUMN;
const SEEK_MAX = 0xffff;
// In SessionBlock flag bit order (block.ts FLAG_NAMES).
const BOOL_COLS = [
  C.skip_1,
  C.skip_2,
  C.skip_3,
  C.not_skipped,
  C.context_switch,
  C.no_pause_before_play,
  C.short_pause_before_play,
  C.long_pause_before_play,
  C.hist_user_behavior_is_shuffle,
  C.premium,
];

// In CATEGORICAL_COLUMNS order, as the 4-bit fields of `categories`.
const [CONTEXT, START, END] = CATEGORICAL_COLUMNS.map((c) => new VocabBytes(c.vocab));
const CATEGORY_FIELDS = CATEGORICAL_COLUMNS.map((c) => LOG_COLUMN[c.column]);
const [CONTEXT_FIELD, START_FIELD, END_FIELD] = CATEGORY_FIELDS;
const NUMBER_COLS = [C.session_position, C.session_length, C.hist_user_behavior_n_seekfwd, C.hist_user_behavior_n_seekback, C.hour_of_day];

// How the byte path reads each field as it finds its end: a number or a boolean is read in the same pass, the
// session id is first compared with the previous row's, anything else is only delimited (and read later).
const TEXT = 0;
const NUMBER = 1;
const BOOL = 2;
const SESSION_ID = 3;
const KIND = Uint8Array.from(LOG_COLUMNS, (_, k) => (k === C.session_id ? SESSION_ID : NUMBER_COLS.includes(k) ? NUMBER : BOOL_COLS.includes(k) ? BOOL : TEXT));
/** Per field, its bit in `flags` (booleans only). */
const FLAG_BIT = Int32Array.from(LOG_COLUMNS, (_, k) => BOOL_COLS.indexOf(k));

/** Whether buf[a, b) and buf[c, d) hold the same bytes; `view` is a DataView of buf, read four bytes at a time. */
function sameBytes(buf: Uint8Array, view: DataView, a: number, b: number, c: number, d: number): boolean {
  const n = b - a;
  if (n !== d - c) return false;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (view.getInt32(a + i) !== view.getInt32(c + i)) return false;
  for (; i < n; i++) if (buf[a + i] !== buf[c + i]) return false;
  return true;
}

/** Where the field read last by boolField or numberField ends: the index of its comma (or of the line's end). */
let fieldEnd = 0;

/** Whether a field ending at e is followed by what must follow it: a comma, or the line's end `b` for the last field. */
const delimited = (buf: Uint8Array, e: number, b: number, last: boolean): boolean => (last ? e === b : e < b && buf[e] === COMMA);

/**
 * The boolean field at buf[i]: 1 / 0 for the spellings logrow.ts bool accepts without a string (1, 0, true, false in
 * any letter case), else -1. Sets fieldEnd.
 */
function boolField(buf: Uint8Array, i: number, b: number, last: boolean): number {
  if (i < b && delimited(buf, i + 1, b, last)) {
    fieldEnd = i + 1;
    return buf[i] === 0x31 ? 1 : buf[i] === 0x30 ? 0 : -1; // not folded: 0x10 | 0x20 is '0'
  }
  const c = buf[i] | 0x20;
  if (i + 4 <= b && c === 0x74 && (buf[i + 1] | 0x20) === 0x72 && (buf[i + 2] | 0x20) === 0x75 && (buf[i + 3] | 0x20) === 0x65) {
    fieldEnd = i + 4;
    return delimited(buf, i + 4, b, last) ? 1 : -1;
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
    return delimited(buf, i + 5, b, last) ? 0 : -1;
  }
  return -1;
}

/** The number field at buf[i]: plain digits (at most 9) as a number, else -1 (for the reference parser). Sets fieldEnd. */
function numberField(buf: Uint8Array, i: number, b: number, last: boolean): number {
  let n = 0;
  let e = i;
  for (; e < b; e++) {
    const d = buf[e] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  fieldEnd = e;
  return e === i || e - i > 9 || !delimited(buf, e, b, last) ? -1 : n;
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
 * string is made only for the first occurrence of each.
 */
class ByteInterner {
  readonly values: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly byValue = new Map<string, number>();
  private slots: Int32Array; // index + 1, 0 = empty
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
  }

  index(a: number, b: number): number {
    const buf = this.buf;
    const h = hashBytes(buf, this.view, a, b);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const v = this.slots[slot];
      if (v === 0) {
        const k = this.values.length;
        this.values.push(buf.toString('utf8', a, b));
        this.starts.push(a);
        this.ends.push(b);
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
      k = this.values.length;
      this.values.push(id);
      this.starts.push(-1);
      this.ends.push(-1);
      this.byValue.set(id, k);
    }
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

/** A copy of `a` in a typed array of length n (n ≥ a.length). */
export function grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Dates are parsed once per distinct spelling; a parser keeps its caches from range to range. */
export class RangeParser {
  private readonly dates: DateCache;
  private readonly slashDates: SlashDates | null;
  private readonly fields = new Int32Array(N + 1);
  /** The byte path's numbers, by field. */
  private readonly values = new Float64Array(N);

  constructor(
    private readonly layout: HeaderLayout,
    readonly dateFormat: DateFormat,
    /** The track table's ids: rows name table rows directly, and only other ids become strings. */
    private readonly table: TrackLookup | null = null,
    private readonly unknownCategories: DataConfig['unknownCategories'] = 'other',
  ) {
    this.slashDates = dateFormat === 'auto' ? new SlashDates() : null;
    this.dates = this.slashDates ?? new DateCache(dateFormat);
  }

  /**
   * Rows of buf[start, end): whole lines (the last may lack its '\n'); blank lines count but hold no row. `fileDay`:
   * the day in the file's name, evidence of its slash order under auto.
   */
  parse(bytes: Uint8Array, start: number, end: number, fileDay: string | null = null): RangeRows {
    const slashDates = this.slashDates;
    slashDates?.begin(fileDay);
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const layout = this.layout;
    const table = this.table;
    const f = this.fields;
    const values = this.values;
    let cap = Math.max(64, Math.ceil((end - start) / 80));
    let line = new Uint32Array(cap);
    let run = new Uint32Array(cap);
    let length = new Uint8Array(cap);
    let position = new Float64Array(cap);
    let flags = new Uint16Array(cap);
    let categories = new Uint16Array(cap);
    let date = new Uint16Array(cap);
    let seekFwd = new Uint16Array(cap);
    let seekBack = new Uint16Array(cap);
    let hour = new Uint8Array(cap);
    let track = new Int32Array(cap);
    const ids: string[] = [];
    const dates = new Interner();
    const tracks = new ByteInterner(buf, Math.ceil((end - start) / 150));
    let unknown: UnknownExamples | null = null; // made at the first value outside a vocabulary
    let error: RangeRows['error'] = null;
    let rows = 0;
    let lineNo = 0;
    // The previous row's session id (bytes in buf) and the last date's bytes with its index.
    let idA = -1;
    let idB = -1;
    let dateA = -1;
    let dateB = -1;
    let dateIndex = 0;
    const byteWise = layout.exact && buf.subarray(start, end).indexOf(QUOTE) < 0;
    const decoder = (a: number, b: number) => buf.toString('utf8', a, b);

    // A new run wherever the id may differ from the previous row's (the assembler compares run boundaries' ids).
    // `same`: the byte path found the id equal to the previous row's.
    const store = (id: string | null, a: number, b: number, same: boolean) => {
      if (id !== null) {
        ids.push(id);
        idA = -1;
      } else if (!same) {
        ids.push(decoder(a, b));
        idA = a;
        idB = b;
      }
    };

    for (let s = start; s < end && error === null; ) {
      let nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= end) nl = end;
      const a = s;
      let b = nl;
      s = nl + 1;
      const no = lineNo++;
      if (b > a && buf[b - 1] === CR) b--;
      if (a === b) continue;
      if (rows === cap) {
        cap *= 2;
        line = grow(line, cap);
        run = grow(run, cap);
        length = grow(length, cap);
        position = grow(position, cap);
        flags = grow(flags, cap);
        categories = grow(categories, cap);
        date = grow(date, cap);
        seekFwd = grow(seekFwd, cap);
        seekBack = grow(seekBack, cap);
        hour = grow(hour, cap);
        track = grow(track, cap);
      }
      const r = rows;
      fast: if (byteWise) {
        // Fields in one pass: each is delimited as it is read, f[k] its start (f[N] = b + 1, as for a line cut at
        // commas). The session id is first tried as the previous row's: the same bytes followed by a comma.
        let sameId = false;
        let bits = 0;
        for (let k = 0, i = a; k < N; k++) {
          f[k] = i;
          const last = k === N - 1;
          const kind = KIND[k];
          if (kind === NUMBER) {
            const v = numberField(buf, i, b, last);
            if (v < 0) break fast;
            values[k] = v;
            i = fieldEnd + 1;
          } else if (kind === BOOL) {
            const v = boolField(buf, i, b, last);
            if (v < 0) break fast;
            bits |= v << FLAG_BIT[k];
            i = fieldEnd + 1;
          } else {
            let e = -1;
            if (kind === SESSION_ID && idA >= 0) {
              const idEnd = i + (idB - idA);
              if (idEnd <= b && delimited(buf, idEnd, b, last) && sameBytes(buf, view, i, idEnd, idA, idB)) {
                sameId = true;
                e = idEnd;
              }
            }
            if (e < 0) {
              e = textEnd(buf, view, i, b);
              if (!delimited(buf, e, b, last)) break fast;
            }
            i = e + 1;
          }
        }
        f[N] = b + 1;
        const len = values[C.session_length];
        if (len < 1 || len > MAX_SESSION_LENGTH) break fast;
        const pos = values[C.session_position];
        const h = values[C.hour_of_day];
        const fwd = values[C.hist_user_behavior_n_seekfwd];
        const back = values[C.hist_user_behavior_n_seekback];
        if (h > 23 || fwd > SEEK_MAX || back > SEEK_MAX) break fast;
        const da = f[C.date];
        const db = f[C.date + 1] - 1;
        if (dateA < 0 || !sameBytes(buf, view, da, db, dateA, dateB)) {
          let value: string;
          if (slashDates) slashDates.line = no;
          try {
            value = this.dates.get(decoder(da, db), '', -1);
          } catch {
            break fast; // the reference names it
          }
          dateIndex = dates.index(value);
          dateA = da;
          dateB = db;
        }
        const packed =
          CONTEXT.indexOf(buf, view, f[CONTEXT_FIELD], f[CONTEXT_FIELD + 1] - 1) |
          (START.indexOf(buf, view, f[START_FIELD], f[START_FIELD + 1] - 1) << 4) |
          (END.indexOf(buf, view, f[END_FIELD], f[END_FIELD + 1] - 1) << 8);
        const others = OTHER_SLOTS[packed];
        if (others !== 0) {
          if (this.unknownCategories === 'error') break fast; // the reference path names the value
          unknown ??= new UnknownExamples();
          for (let c = 0; c < CATEGORY_FIELDS.length; c++) {
            if (others & (1 << c)) unknown.addBytes(c, buf, f[CATEGORY_FIELDS[c]], f[CATEGORY_FIELDS[c] + 1] - 1);
          }
        }
        store(null, f[C.session_id], f[C.session_id + 1] - 1, sameId);
        line[r] = no;
        run[r] = ids.length - 1;
        length[r] = len;
        position[r] = pos;
        flags[r] = bits;
        categories[r] = packed;
        date[r] = dateIndex;
        seekFwd[r] = fwd;
        seekBack[r] = back;
        hour[r] = h;
        const ta = f[C.track_id_clean];
        const tb = f[C.track_id_clean + 1] - 1;
        const known = table === null ? -1 : table.row(buf, view, ta, tb);
        track[r] = known >= 0 ? known : -1 - tracks.index(ta, tb);
        rows++;
        continue;
      }
      // The reference path: one string per field, the reader's own checks and messages.
      let parsed;
      if (slashDates) slashDates.line = no;
      try {
        parsed = parseRowText(decoder(a, b), layout, '', -1, this.dates);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        error = { line: no, reason: e.message };
        break;
      }
      const row: LogRow = parsed.row;
      if (row.seekFwd < 0 || row.seekFwd > SEEK_MAX || row.seekBack < 0 || row.seekBack > SEEK_MAX) {
        const col = row.seekFwd < 0 || row.seekFwd > SEEK_MAX ? 'hist_user_behavior_n_seekfwd' : 'hist_user_behavior_n_seekback';
        error = { line: no, reason: `column '${col}' must be 0..${SEEK_MAX}, found ${col.endsWith('fwd') ? row.seekFwd : row.seekBack}` };
        break;
      }
      if (parsed.unknown !== null) {
        if (this.unknownCategories === 'error') {
          error = { line: no, reason: unknownCategoryRefusal(parsed.unknown[0].category, parsed.unknown[0].value) };
          break;
        }
        unknown ??= new UnknownExamples();
        for (const u of parsed.unknown) unknown.add(u.category, u.value);
      }
      if (idA >= 0 || ids.length === 0 || ids[ids.length - 1] !== parsed.id) store(parsed.id, 0, 0, false);
      dateA = -1; // the date bytes cache only describes byte-path rows
      line[r] = no;
      run[r] = ids.length - 1;
      length[r] = parsed.length;
      position[r] = row.position;
      flags[r] = packFlags(row);
      categories[r] = row.contextType | (row.reasonStart << 4) | (row.reasonEnd << 8);
      date[r] = dates.index(row.date);
      seekFwd[r] = row.seekFwd;
      seekBack[r] = row.seekBack;
      hour[r] = row.hour;
      const id = Buffer.from(row.trackId);
      const known = table === null ? -1 : table.row(id, new DataView(id.buffer, id.byteOffset, id.length), 0, id.length);
      track[r] = known >= 0 ? known : -1 - tracks.indexValue(row.trackId);
      rows++;
    }
    return {
      rows,
      lines: lineNo,
      line,
      run,
      length,
      position,
      flags,
      categories,
      date,
      seekFwd,
      seekBack,
      hour,
      track,
      ids,
      dates: dates.values,
      tracks: tracks.values,
      unknownExamples: unknown?.values ?? null,
      slash: slashDates?.evidence() ?? null,
      error,
    };
  }
}

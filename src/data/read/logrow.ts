// Parsing one log row from its field strings: the reference for every accepted spelling and every error message.
// The columnar parser (rangeParser.ts) reads the common spelling straight from bytes and hands every line
// it does not recognise to parseRowText, so both accept the same values and fail with the same words.
// Kept strings are detached from the decoded text (see csv.ts detach).
import { DataError } from '../../errors.ts';
import { CATEGORICAL_COLUMNS, CONTEXT_TYPES, LOG_COLUMN, LOG_COLUMNS, MAX_SESSION_LENGTH, REASONS_END, REASONS_START, vocabIndex } from '../format/columns.ts';
import { detach, pickFields, splitFields } from '../source/csv.ts';
import { parseDate, type DateFormat } from '../format/dates.ts';
import type { LogRow } from '../format/types.ts';

/** Column positions in LOG_COLUMNS order. */
const C = LOG_COLUMN;

export const at = (label: string, line: number) => (line < 0 ? label : `${label}:${line}`);

/** Remembers the last raw date and its normalised form: a file holds a handful of distinct dates. */
export class DateCache {
  private raw = '\u0000';
  private value: string | null = null;
  constructor(readonly format: DateFormat) {}

  get(raw: string, label: string, line: number): string {
    if (raw !== this.raw) {
      this.raw = raw;
      this.value = this.read(raw);
    }
    if (this.value === null) throw badDate(raw, this.format, label, line);
    return this.value;
  }

  /** The next get reads its value afresh (what read() notes then belongs to the new range). */
  forget(): void {
    this.raw = '\u0000';
  }

  /** One distinct spelling, normalised (null: not a date in this format). */
  protected read(raw: string): string | null {
    return parseDate(raw, this.format);
  }
}

function badDate(raw: string, format: DateFormat, label: string, line: number): DataError {
  const how = format === 'auto' ? 'a known date format' : format;
  return new DataError(`column 'date' must be a date in ${how} (see data.dateFormat), found '${raw}'`, at(label, line));
}

function badBool(v: string, col: number, label: string, line: number): DataError {
  return new DataError(`column '${LOG_COLUMNS[col]}' must be true/false (or True/False, 1/0), found '${v}'`, at(label, line));
}

function badInt(v: string, col: number, label: string, line: number): DataError {
  return new DataError(`column '${LOG_COLUMNS[col]}' must be a whole number, found '${v}'`, at(label, line));
}

export function bool(v: string, col: number, label: string, line: number): boolean {
  switch (v.length <= 5 ? v.toLowerCase() : v) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
  }
  throw badBool(v, col, label, line);
}

export function int(v: string, col: number, label: string, line: number): number {
  const n = +v;
  if (v === '' || !Number.isInteger(n)) throw badInt(v, col, label, line);
  return n;
}

function checkHour(hour: number, label: string, line: number): number {
  if (hour < 0 || hour > 23) throw new DataError(`column 'hour_of_day' must be 0..23, found ${hour}`, at(label, line));
  return hour;
}

export function checkLength(length: number, label: string, line: number): void {
  if (length < 1 || length > MAX_SESSION_LENGTH) {
    throw new DataError(`session_length must be 1..${MAX_SESSION_LENGTH}, found ${length}`, at(label, line));
  }
}

/** Where the log columns sit in a file, from its header (csv.ts headerPositions). */
export interface HeaderLayout {
  /** positions[i] = the file's column holding LOG_COLUMNS[i]. */
  positions: number[];
  /** Fields per line. */
  width: number;
  /** The header is exactly LOG_COLUMNS, in order. */
  exact: boolean;
}

/** A categorical field outside its vocabulary: the index of its column in CATEGORICAL_COLUMNS, and the value. */
export interface UnknownField {
  category: number;
  value: string;
}

export interface ParsedLine {
  id: string;
  length: number;
  row: LogRow;
  /** The row's categorical values read as "other" (null: none), for the reader to keep as examples or refuse. */
  unknown: UnknownField[] | null;
}

/** One data line (without its line end) checked in the reader's order: field count, session_length, then the row. */
export function parseRowText(text: string, layout: HeaderLayout, label: string, line: number, dates: DateCache): ParsedLine {
  let fields = splitFields(text);
  if (fields.length !== layout.width) {
    throw new DataError(`expected ${layout.width} fields (as in the header), found ${fields.length}`, at(label, line));
  }
  if (!layout.exact) fields = pickFields(fields, layout.positions);
  const length = int(fields[C.session_length], C.session_length, label, line);
  checkLength(length, label, line);
  const row = parseFields(fields, label, line, dates);
  return { id: fields[C.session_id], length, row, unknown: unknownFields(row, fields) };
}

function unknownFields(row: LogRow, fields: string[]): UnknownField[] | null {
  let out: UnknownField[] | null = null;
  CATEGORICAL_COLUMNS.forEach(({ column, vocab, field }, category) => {
    if (row[field] === vocab.length) (out ??= []).push({ category, value: detach(fields[LOG_COLUMN[column]]) });
  });
  return out;
}

/** A row from its fields in LOG_COLUMNS order. */
export function parseFields(f: string[], label: string, line: number, dates: DateCache): LogRow {
  return {
    position: int(f[C.session_position], C.session_position, label, line),
    trackId: detach(f[C.track_id_clean]),
    skip1: bool(f[C.skip_1], C.skip_1, label, line),
    skip2: bool(f[C.skip_2], C.skip_2, label, line),
    skip3: bool(f[C.skip_3], C.skip_3, label, line),
    notSkipped: bool(f[C.not_skipped], C.not_skipped, label, line),
    contextSwitch: bool(f[C.context_switch], C.context_switch, label, line),
    noPause: bool(f[C.no_pause_before_play], C.no_pause_before_play, label, line),
    shortPause: bool(f[C.short_pause_before_play], C.short_pause_before_play, label, line),
    longPause: bool(f[C.long_pause_before_play], C.long_pause_before_play, label, line),
    seekFwd: int(f[C.hist_user_behavior_n_seekfwd], C.hist_user_behavior_n_seekfwd, label, line),
    seekBack: int(f[C.hist_user_behavior_n_seekback], C.hist_user_behavior_n_seekback, label, line),
    shuffle: bool(f[C.hist_user_behavior_is_shuffle], C.hist_user_behavior_is_shuffle, label, line),
    hour: checkHour(int(f[C.hour_of_day], C.hour_of_day, label, line), label, line),
    date: dates.get(f[C.date], label, line),
    premium: bool(f[C.premium], C.premium, label, line),
    contextType: vocabIndex(CONTEXT_TYPES, f[C.context_type]),
    reasonStart: vocabIndex(REASONS_START, f[C.hist_user_behavior_reason_start]),
    reasonEnd: vocabIndex(REASONS_END, f[C.hist_user_behavior_reason_end]),
  };
}

// Parsing one log row. Two entry points with the same checks and messages:
//  - parseFields: from an array of field strings (any file; used for re-ordered or quoted files and by parseLogRow);
//  - parseLine: straight from the line text with the comma positions, for files whose header is exactly
//    LOG_COLUMNS. It creates only the strings a LogRow keeps (the track id; the date only when it changes), which
//    roughly halves the reader's time and garbage compared with line.split(',').
// Kept strings are detached from the decoded block (see csv.ts detach), so a Session held anywhere, for any time,
// costs its own size and not the 256 KiB of text it came from.
import { DataError } from '../errors.ts';
import { CONTEXT_TYPES, LOG_COLUMNS, REASONS_END, REASONS_START } from './columns.ts';
import { detach } from './csv.ts';
import { parseDate, type DateFormat } from './dates.ts';
import type { LogRow } from './types.ts';

export const FIELD_COUNT = LOG_COLUMNS.length;

/** Column positions in LOG_COLUMNS order. */
export const C = Object.fromEntries(LOG_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LOG_COLUMNS)[number], number>;

export const at = (label: string, line: number) => (line < 0 ? label : `${label}:${line}`);

/** Remembers the last raw date and its normalised form: a file holds a handful of distinct dates. */
export class DateCache {
  private raw = '\u0000';
  private value: string | null = null;
  constructor(readonly format: DateFormat) {}

  get(raw: string, label: string, line: number): string {
    if (raw !== this.raw) {
      this.raw = raw;
      this.value = parseDate(raw, this.format);
    }
    if (this.value === null) throw badDate(raw, this.format, label, line);
    return this.value;
  }

  /** Same as get() for text.slice(s, e), without making the slice when it equals the last one. */
  getAt(text: string, s: number, e: number, label: string, line: number): string {
    if (e - s === this.raw.length && text.startsWith(this.raw, s)) {
      if (this.value === null) throw badDate(this.raw, this.format, label, line);
      return this.value;
    }
    return this.get(text.slice(s, e), label, line);
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

// Lower-cased char codes: t r u e / f a l s e. `| 0x20` lower-cases ASCII letters: true/false in any letter case.
function boolAt(text: string, s: number, e: number, col: number, label: string, line: number): boolean {
  const n = e - s;
  const c = text.charCodeAt(s) | 0x20;
  if (n === 1) {
    if (c === 0x31) return true; // '1'
    if (c === 0x30) return false; // '0'
  } else if (n === 4 && c === 0x74) {
    if ((text.charCodeAt(s + 1) | 0x20) === 0x72 && (text.charCodeAt(s + 2) | 0x20) === 0x75 && (text.charCodeAt(s + 3) | 0x20) === 0x65) {
      return true;
    }
  } else if (n === 5 && c === 0x66) {
    if (
      (text.charCodeAt(s + 1) | 0x20) === 0x61 &&
      (text.charCodeAt(s + 2) | 0x20) === 0x6c &&
      (text.charCodeAt(s + 3) | 0x20) === 0x73 &&
      (text.charCodeAt(s + 4) | 0x20) === 0x65
    ) {
      return false;
    }
  }
  return bool(text.slice(s, e), col, label, line);
}

export function intAt(text: string, s: number, e: number, col: number, label: string, line: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return int(text.slice(s, e), col, label, line); // signs, "1.0", garbage: the slow path decides
    n = n * 10 + d;
  }
  if (e === s) throw badInt('', col, label, line);
  return n;
}

function vocabAt(vocab: readonly string[], text: string, s: number, e: number): number {
  const n = e - s;
  for (let i = 0; i < vocab.length; i++) if (vocab[i].length === n && text.startsWith(vocab[i], s)) return i;
  return vocab.length; // the "other" slot, as vocabIndex does
}

function vocabOf(vocab: readonly string[], v: string): number {
  const i = vocab.indexOf(v);
  return i < 0 ? vocab.length : i;
}

function checkHour(hour: number, label: string, line: number): number {
  if (hour < 0 || hour > 23) throw new DataError(`column 'hour_of_day' must be 0..23, found ${hour}`, at(label, line));
  return hour;
}

/**
 * Positions of the FIELD_COUNT - 1 commas of `text` into `ends` (ends[k] = end of field k; the last field ends at
 * text.length). Returns the number of fields found (FIELD_COUNT when the line is well-formed).
 */
export function findCommas(text: string, ends: Int32Array): number {
  let from = 0;
  for (let k = 0; k < FIELD_COUNT - 1; k++) {
    const c = text.indexOf(',', from);
    if (c < 0) return k + 1;
    ends[k] = c;
    from = c + 1;
  }
  ends[FIELD_COUNT - 1] = text.length;
  let extra = 0;
  for (let c = text.indexOf(',', from); c >= 0; c = text.indexOf(',', c + 1)) extra++;
  return FIELD_COUNT + extra;
}

const startOf = (ends: Int32Array, k: number) => (k === 0 ? 0 : ends[k - 1] + 1);
const boolF = (text: string, ends: Int32Array, k: number, label: string, line: number) =>
  boolAt(text, startOf(ends, k), ends[k], k, label, line);
const intF = (text: string, ends: Int32Array, k: number, label: string, line: number) =>
  intAt(text, startOf(ends, k), ends[k], k, label, line);
const vocabF = (vocab: readonly string[], text: string, ends: Int32Array, k: number) => vocabAt(vocab, text, startOf(ends, k), ends[k]);

/** A row from a well-formed line whose comma positions are in `ends` (see findCommas). */
export function parseLine(text: string, ends: Int32Array, label: string, line: number, dates: DateCache): LogRow {
  return {
    position: intF(text, ends, C.session_position, label, line),
    trackId: detach(text.slice(startOf(ends, C.track_id_clean), ends[C.track_id_clean])),
    skip1: boolF(text, ends, C.skip_1, label, line),
    skip2: boolF(text, ends, C.skip_2, label, line),
    skip3: boolF(text, ends, C.skip_3, label, line),
    notSkipped: boolF(text, ends, C.not_skipped, label, line),
    contextSwitch: boolF(text, ends, C.context_switch, label, line),
    noPause: boolF(text, ends, C.no_pause_before_play, label, line),
    shortPause: boolF(text, ends, C.short_pause_before_play, label, line),
    longPause: boolF(text, ends, C.long_pause_before_play, label, line),
    seekFwd: intF(text, ends, C.hist_user_behavior_n_seekfwd, label, line),
    seekBack: intF(text, ends, C.hist_user_behavior_n_seekback, label, line),
    shuffle: boolF(text, ends, C.hist_user_behavior_is_shuffle, label, line),
    hour: checkHour(intF(text, ends, C.hour_of_day, label, line), label, line),
    date: dates.getAt(text, startOf(ends, C.date), ends[C.date], label, line),
    premium: boolF(text, ends, C.premium, label, line),
    contextType: vocabF(CONTEXT_TYPES, text, ends, C.context_type),
    reasonStart: vocabF(REASONS_START, text, ends, C.hist_user_behavior_reason_start),
    reasonEnd: vocabF(REASONS_END, text, ends, C.hist_user_behavior_reason_end),
  };
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
    contextType: vocabOf(CONTEXT_TYPES, f[C.context_type]),
    reasonStart: vocabOf(REASONS_START, f[C.hist_user_behavior_reason_start]),
    reasonEnd: vocabOf(REASONS_END, f[C.hist_user_behavior_reason_end]),
  };
}

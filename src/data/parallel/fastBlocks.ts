// A byte-level parser for the common case of a log file, straight into SessionBlock columns: the exact MSSD header,
// unquoted lines, booleans/integers as the dataset writes them. No per-row strings except the track id, no
// LogRow objects. It applies readEntrySessions' rules (session grouping, days filter, date range and badDates) and
// counts the same way; anything else it meets (a quoted or non-ASCII line, a value it does not recognise, any
// broken rule) throws SlowPath, and the caller re-reads that file with readEntrySessions, which is the reference for
// every accepted spelling and every error message. Text is decoded as UTF-8, as the reference reader does.
import { DEFAULTS } from '../../config/schema.ts';
import { CONTEXT_TYPES, LOG_COLUMNS, MAX_SESSION_LENGTH, REASONS_END, REASONS_START } from '../columns.ts';
import { headerPositions, isExactHeader, splitFields } from '../csv.ts';
import { DEFAULT_DATE_RANGE, dayFromFileName, inDateRange, parseDate } from '../dates.ts';
import type { TextEntry } from '../archive.ts';
import type { ReadCounts, ReadLogOptions } from '../logs.ts';
import type { SessionBlock } from '../cache/block.ts';

/** Thrown when a file needs the reference reader: `sessions` were already handed out from it. */
export class SlowPath extends Error {
  constructor(readonly reason: string) {
    super(`slow path: ${reason}`);
  }
}

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const N_COLS = LOG_COLUMNS.length;
const C = Object.fromEntries(LOG_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LOG_COLUMNS)[number], number>;
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
]; // in SessionBlock flag bit order

/** 1 for true, 0 for false, -1 for anything else; the spellings the dataset and pandas re-saves use. */
function boolAt(buf: Buffer, a: number, b: number): number {
  const n = b - a;
  const c = buf[a];
  if (n === 1) return c === 0x31 ? 1 : c === 0x30 ? 0 : -1;
  if (n === 4 && (c === 0x74 || c === 0x54)) {
    const r = buf[a + 1];
    const u = buf[a + 2];
    const e = buf[a + 3];
    if (r === 0x72 && u === 0x75 && e === 0x65) return 1; // true, True
    if (c === 0x54 && r === 0x52 && u === 0x55 && e === 0x45) return 1; // TRUE
    return -1;
  }
  if (n === 5 && (c === 0x66 || c === 0x46)) {
    if (buf[a + 1] === 0x61 && buf[a + 2] === 0x6c && buf[a + 3] === 0x73 && buf[a + 4] === 0x65) return 0; // false, False
    if (c === 0x46 && buf[a + 1] === 0x41 && buf[a + 2] === 0x4c && buf[a + 3] === 0x53 && buf[a + 4] === 0x45) return 0; // FALSE
  }
  return -1;
}
const vocabBytes = (v: readonly string[]) => v.map((w) => Buffer.from(w));
const CONTEXT = vocabBytes(CONTEXT_TYPES);
const START = vocabBytes(REASONS_START);
const END = vocabBytes(REASONS_END);

function equalBytes(buf: Buffer, a: number, b: number, word: Buffer): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[a + i] !== word[i]) return false;
  return true;
}

function vocabAt(buf: Buffer, a: number, b: number, vocab: Buffer[]): number {
  for (let k = 0; k < vocab.length; k++) if (equalBytes(buf, a, b, vocab[k])) return k;
  return vocab.length; // the "other" slot, as vocabIndex gives
}

/** Dictionary of strings to block indices. */
class Dict {
  values: string[] = [];
  private map = new Map<string, number>();
  index(v: string): number {
    let i = this.map.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.map.set(v, i);
    }
    return i;
  }
}

/** Growable columns of one block. */
class Columns {
  S = 0;
  R = 0;
  ids: string[] = [];
  days = new Dict();
  dates = new Dict();
  tracks = new Dict();
  sessionDay = new Uint16Array(1024);
  sessionLength = new Uint8Array(1024);
  sessionLine = new Uint32Array(1024);
  rowEnd = new Uint32Array(1024);
  trackRow = new Int32Array(16384);
  flags = new Uint16Array(16384);
  categories = new Uint16Array(16384);
  date = new Uint16Array(16384);
  seekFwd = new Uint16Array(16384);
  seekBack = new Uint16Array(16384);
  position = new Uint8Array(16384);
  hour = new Uint8Array(16384);

  ensure(extraRows: number): void {
    if (this.S + 1 > this.rowEnd.length) {
      const n = this.rowEnd.length * 2;
      this.sessionDay = grow(this.sessionDay, n);
      this.sessionLength = grow(this.sessionLength, n);
      this.sessionLine = grow(this.sessionLine, n);
      this.rowEnd = grow(this.rowEnd, n);
    }
    if (this.R + extraRows > this.trackRow.length) {
      const n = Math.max(this.trackRow.length * 2, this.R + extraRows);
      this.trackRow = grow(this.trackRow, n);
      this.flags = grow(this.flags, n);
      this.categories = grow(this.categories, n);
      this.date = grow(this.date, n);
      this.seekFwd = grow(this.seekFwd, n);
      this.seekBack = grow(this.seekBack, n);
      this.position = grow(this.position, n);
      this.hour = grow(this.hour, n);
    }
  }

  take(label: string): SessionBlock {
    const { S, R } = this;
    return {
      label,
      ids: this.ids,
      days: this.days.values,
      dates: this.dates.values,
      extraTrackIds: this.tracks.values,
      sessionDay: this.sessionDay.slice(0, S),
      sessionLength: this.sessionLength.slice(0, S),
      sessionLine: this.sessionLine.slice(0, S),
      rowEnd: this.rowEnd.slice(0, S),
      trackRow: this.trackRow.slice(0, R),
      flags: this.flags.slice(0, R),
      categories: this.categories.slice(0, R),
      date: this.date.slice(0, R),
      seekFwd: this.seekFwd.slice(0, R),
      seekBack: this.seekBack.slice(0, R),
      position: this.position.slice(0, R),
      hour: this.hour.slice(0, R),
    };
  }
}

function grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

const MAX_ROWS = 255; // open-session buffer; positions are ≤ MAX_SESSION_LENGTH anyway

/**
 * Blocks of one file's sessions. Updates `counts` and calls `onProgress` exactly as readEntrySessions does.
 * Throws SlowPath (after possibly yielding some blocks) when the file needs the reference reader.
 */
export async function* fastEntryBlocks(
  entry: TextEntry,
  opts: ReadLogOptions,
  counts: ReadCounts,
  bytesRead: () => number,
  blockSessions: number,
): AsyncGenerator<SessionBlock> {
  const dateFormat = opts.dateFormat ?? 'auto';
  const badDates = opts.badDates ?? DEFAULTS.data.badDates;
  const range = opts.dateRange ?? DEFAULT_DATE_RANGE;
  const fileDay = dayFromFileName(entry.path);
  const days = opts.days;
  const label = entry.label;
  const fields = new Int32Array(N_COLS + 1); // start of each field; fields[N_COLS] = end of line + 1

  let cols = new Columns();
  let headerSeen = false;
  let lineNo = 1;
  let carry: Buffer | null = null;
  let first = true;

  // the open session
  let openId = '';
  let openIdBuf: Buffer | null = null;
  let openLength = 0;
  let openLine = 0;
  let lastPosition = 0;
  let openRows = 0;
  let openFirstDate = '';
  const oTrack: string[] = new Array(MAX_ROWS);
  const oFlags = new Uint16Array(MAX_ROWS);
  const oCat = new Uint16Array(MAX_ROWS);
  const oDate = new Array<string>(MAX_ROWS);
  const oFwd = new Uint16Array(MAX_ROWS);
  const oBack = new Uint16Array(MAX_ROWS);
  const oPos = new Uint8Array(MAX_ROWS);
  const oHour = new Uint8Array(MAX_ROWS);
  let ready: SessionBlock[] = [];

  // last date bytes → its parsed value, to avoid a string per row
  let lastDateBuf = Buffer.alloc(0);
  let lastDate: string | null = null;
  let lastDateInRange = false;

  const close = () => {
    if (openIdBuf !== null && openRows > 0) {
      const day = fileDay ?? openFirstDate;
      if (!days || days.has(day)) {
        cols.ensure(openRows);
        const s = cols.S;
        cols.ids.push(openId);
        cols.sessionDay[s] = cols.days.index(day);
        cols.sessionLength[s] = openLength;
        cols.sessionLine[s] = openLine;
        let r = cols.R;
        for (let i = 0; i < openRows; i++, r++) {
          cols.trackRow[r] = -1 - cols.tracks.index(oTrack[i]);
          cols.flags[r] = oFlags[i];
          cols.categories[r] = oCat[i];
          cols.date[r] = cols.dates.index(oDate[i]);
          cols.seekFwd[r] = oFwd[i];
          cols.seekBack[r] = oBack[i];
          cols.position[r] = oPos[i];
          cols.hour[r] = oHour[i];
        }
        cols.R = r;
        cols.rowEnd[s] = r;
        cols.S = s + 1;
        counts.sessions++;
        if (cols.S >= blockSessions) {
          ready.push(cols.take(label));
          cols = new Columns();
        }
      }
    }
    openIdBuf = null;
    openRows = 0;
  };

  /** A whole number written as plain digits, else -1 (the reference reader decides what else is acceptable). */
  const digits = (buf: Buffer, a: number, b: number): number => {
    if (a >= b || b - a > 9) return -1;
    let n = 0;
    for (let i = a; i < b; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n;
  };

  const line = (buf: Buffer, a: number, b: number, no: number): void => {
    if (b > a && buf[b - 1] === CR) b--;
    if (a === b) return; // blank line
    if (!headerSeen) {
      const header = splitFields(buf.toString('utf8', a, b));
      const positions = headerPositions(header, LOG_COLUMNS, `${label}:${no}`);
      if (!isExactHeader(positions, header.length)) throw new SlowPath('the header is not the standard one');
      headerSeen = true;
      return;
    }
    // cut into fields; anything unusual goes to the reference reader
    let f = 0;
    fields[0] = a;
    for (let i = a; i < b; i++) {
      if (buf[i] === COMMA) {
        if (++f >= N_COLS) throw new SlowPath('too many fields');
        fields[f] = i + 1;
      }
    }
    if (f !== N_COLS - 1) throw new SlowPath('too few fields');
    fields[N_COLS] = b + 1;

    const length = digits(buf, fields[C.session_length], fields[C.session_length + 1] - 1);
    if (length < 1 || length > MAX_SESSION_LENGTH) throw new SlowPath('session_length');
    // date: parsed once per distinct spelling
    const da = fields[C.date];
    const db = fields[C.date + 1] - 1;
    if (!equalBytes(buf, da, db, lastDateBuf)) {
      lastDateBuf = Buffer.from(buf.subarray(da, db));
      lastDate = parseDate(lastDateBuf.toString('utf8'), dateFormat);
      lastDateInRange = lastDate !== null && inDateRange(lastDate, range);
    }
    if (lastDate === null) throw new SlowPath('date');
    const hour = digits(buf, fields[C.hour_of_day], fields[C.hour_of_day + 1] - 1);
    if (hour < 0 || hour > 23) throw new SlowPath('hour');
    const position = digits(buf, fields[C.session_position], fields[C.session_position + 1] - 1);
    if (position < 0) throw new SlowPath('position');
    let flags = 0;
    for (let k = 0; k < BOOL_COLS.length; k++) {
      const col = BOOL_COLS[k];
      const v = boolAt(buf, fields[col], fields[col + 1] - 1);
      if (v < 0) throw new SlowPath('boolean');
      flags |= v << k;
    }
    const seekFwd = digits(buf, fields[C.hist_user_behavior_n_seekfwd], fields[C.hist_user_behavior_n_seekfwd + 1] - 1);
    const seekBack = digits(buf, fields[C.hist_user_behavior_n_seekback], fields[C.hist_user_behavior_n_seekback + 1] - 1);
    if (seekFwd < 0 || seekBack < 0 || seekFwd > 0xffff || seekBack > 0xffff) throw new SlowPath('seek counts');
    const cat =
      vocabAt(buf, fields[C.context_type], fields[C.context_type + 1] - 1, CONTEXT) |
      (vocabAt(buf, fields[C.hist_user_behavior_reason_start], fields[C.hist_user_behavior_reason_start + 1] - 1, START) << 4) |
      (vocabAt(buf, fields[C.hist_user_behavior_reason_end], fields[C.hist_user_behavior_reason_end + 1] - 1, END) << 8);

    // session grouping, as readEntrySessions does it
    const ia = fields[C.session_id];
    const ib = fields[C.session_id + 1] - 1;
    if (openIdBuf === null || !equalBytes(buf, ia, ib, openIdBuf)) {
      close();
      if (position !== 1) throw new SlowPath('session start');
      openIdBuf = Buffer.from(buf.subarray(ia, ib));
      openId = openIdBuf.toString('utf8');
      openLength = length;
      openLine = no;
      lastPosition = 0;
    } else if (length !== openLength) {
      throw new SlowPath('session_length changes');
    }
    if (position !== lastPosition + 1 || position > length) throw new SlowPath('position order');
    lastPosition = position;
    counts.rows++;
    if (!lastDateInRange) {
      if (badDates === 'error') throw new SlowPath('date out of range');
      if (badDates === 'skip-row') {
        counts.droppedRows++;
        return;
      }
    }
    const i = openRows++;
    if (i === 0) openFirstDate = lastDate;
    oTrack[i] = buf.toString('utf8', fields[C.track_id_clean], fields[C.track_id_clean + 1] - 1);
    oFlags[i] = flags;
    oCat[i] = cat;
    oDate[i] = lastDate;
    oFwd[i] = seekFwd;
    oBack[i] = seekBack;
    oPos[i] = position;
    oHour[i] = hour;
  };

  const lines = (buf: Buffer, upto: number): void => {
    let start = 0;
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // BOM
    }
    // as text.split('\n') over buf[0 .. upto]: n newlines make n + 1 lines, blank ones included
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0 || nl > upto) {
        line(buf, start, upto + 1, lineNo++);
        return;
      }
      line(buf, start, nl, lineNo++);
      start = nl + 1;
    }
  };

  try {
    for await (const chunk of entry.bytes) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const last = buf.lastIndexOf(NL);
      if (last < 0) {
        carry = buf;
        continue;
      }
      carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : null;
      // quoted fields are rare (re-saved copies): one native scan per block keeps them out of the per-byte loop
      if (buf.lastIndexOf(QUOTE, last) >= 0) throw new SlowPath('quoted fields');
      lines(buf, last - 1);
      if (opts.onProgress) opts.onProgress({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
      if (ready.length > 0) {
        const out = ready;
        ready = [];
        yield* out;
      }
    }
  } catch (e) {
    if (e instanceof SlowPath) throw e;
    throw new SlowPath(`stream: ${(e as Error).message}`); // the reference reader reports it with its own words
  }
  if (carry && carry.length > 0) {
    if (carry.indexOf(QUOTE) >= 0) throw new SlowPath('quoted fields');
    lines(carry, carry.length - 1);
    if (opts.onProgress) opts.onProgress({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
  }
  if (!headerSeen) throw new SlowPath('empty file');
  close();
  yield* ready;
  if (cols.S > 0) yield cols.take(label);
}

// Columns of consecutive ranges → SessionBlocks, in file order, on the thread that owns the read. This is where the
// rules that span rows live (sessions grouped by session_id, positions 1, 2, … up to session_length, one length per
// session, the date range and badDates, the days filter, unknown tracks), applied row by row in the order the old
// row reader applied them, with its counts and its messages. Track ids become track-table rows once per distinct id
// per range. Rows holding a categorical "other" slot are counted as their session is handed out.
import { DATA_DEFAULTS } from '../dataConfig.ts';
import { DataError } from '../../errors.ts';
import { makeBlock, type SessionBlock } from '../cache/block.ts';
import { DEFAULT_DATE_RANGE, inDateRange } from '../dates.ts';
import type { ReadCounts, ReadLogOptions } from '../readOptions.ts';
import { resolveTrack } from '../tracks.ts';
import { addUnknownExample, countOtherSlots, OTHER_SLOTS } from '../unknownCategories.ts';
import { grow, Interner, type RangeRows } from './rangeParser.ts';

const at = (label: string, line: number) => `${label}:${line}`;
const OPEN_MAX = 256;
const UNSET = 0x7fffffff; // rows of one open session (session_length ≤ MAX_SESSION_LENGTH, checked per row)



/** The growing columns of the next block. */
class BlockColumns {
  S = 0;
  R = 0;
  ids: string[] = [];
  days = new Interner();
  dates = new Interner();
  /** Track ids not in the table; a range's distinct ids are appended once each (duplicates across ranges are harmless). */
  extra: string[] = [];
  sessionDay = new Uint16Array(256);
  sessionLength = new Uint8Array(256);
  sessionLine = new Uint32Array(256);
  rowEnd = new Uint32Array(256);
  trackRow = new Int32Array(4096);
  flags = new Uint16Array(4096);
  categories = new Uint16Array(4096);
  date = new Uint16Array(4096);
  seekFwd = new Uint16Array(4096);
  seekBack = new Uint16Array(4096);
  position = new Uint8Array(4096);
  hour = new Uint8Array(4096);

  reserve(extraRows: number): void {
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
    return makeBlock(
      { label, ids: this.ids, days: this.days.values, dates: this.dates.values, extraTrackIds: this.extra },
      {
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
      },
    );
  }
}

/**
 * One log file's sessions. Feed its ranges in order with add(), take the finished sessions with take() whenever
 * convenient, and call finish() after the last range. Throws DataError exactly where the row reader did.
 */
export class SessionAssembler {
  private cols = new BlockColumns();
  private readonly badDates: NonNullable<ReadLogOptions['badDates']>;
  private readonly range: readonly [string, string];
  private readonly unknownPolicy: 'error' | 'zeros';
  // The open session: its rows wait here until the session ends (it may span ranges).
  private openId: string | null = null;
  private openLength = 0;
  private openLine = 0;
  private lastPosition = 0;
  private openRows = 0;
  private openDay = '';
  private readonly oTrack = new Int32Array(OPEN_MAX); // code in the block being built: ≥ 0 table row, < 0 extra id
  private readonly oFlags = new Uint16Array(OPEN_MAX);
  private readonly oCat = new Uint16Array(OPEN_MAX);
  private readonly oDate: string[] = new Array(OPEN_MAX);
  private readonly oFwd = new Uint16Array(OPEN_MAX);
  private readonly oBack = new Uint16Array(OPEN_MAX);
  private readonly oPos = new Uint8Array(OPEN_MAX);
  private readonly oHour = new Uint8Array(OPEN_MAX);

  constructor(
    readonly label: string,
    private readonly fileDay: string | null,
    private readonly opts: ReadLogOptions,
    private readonly counts: ReadCounts,
  ) {
    this.badDates = opts.badDates ?? DATA_DEFAULTS.badDates;
    this.range = opts.dateRange ?? DEFAULT_DATE_RANGE;
    this.unknownPolicy = opts.unknownTracks ?? 'error';
  }

  /** Sessions completed so far. */
  get sessions(): number {
    return this.cols.S;
  }

  /** The rows of the next range; `firstLine` is the file line number of the range's first line. */
  add(r: RangeRows, firstLine: number): void {
    const label = this.label;
    const counts = this.counts;
    const tracks = this.opts.tracks;
    // Per distinct value of the range: is the date in range; the track's table row (-1: not in the table).
    const dateOk = r.dates.map((d) => inDateRange(d, this.range));
    // Per distinct track id of the range that is not in the table: its code in the block being built (-1 - index
    // into the block's extra ids), made on first use; UNSET until then.
    const code = new Int32Array(r.tracks.length).fill(UNSET);
    r.unknownExamples?.forEach((values, category) => values.forEach((v) => addUnknownExample(counts.unknownCategories, category, v)));
    let prevRun = -1;
    for (let i = 0; i < r.rows; i++) {
      const line = firstLine + r.line[i];
      const position = r.position[i];
      const length = r.length[i];
      const run = r.run[i];
      if (run !== prevRun && (this.openId === null || r.ids[run] !== this.openId)) {
        const id = r.ids[run];
        this.close();
        if (position !== 1) {
          throw new DataError(
            `session ${id} starts at session_position ${position}, expected 1 (rows must be sorted by session, then position)`,
            at(label, line),
          );
        }
        this.openId = id;
        this.openLength = length;
        this.openLine = line;
        this.lastPosition = 0;
      } else if (length !== this.openLength) {
        throw new DataError(`session ${this.openId} changes session_length from ${this.openLength} to ${length}`, at(label, line));
      }
      prevRun = run;
      if (position !== this.lastPosition + 1 || position > length) {
        const why = position > length ? `out of 1..session_length (${length})` : `out of order (expected ${this.lastPosition + 1})`;
        throw new DataError(`session_position ${position} of session ${this.openId} is ${why}`, at(label, line));
      }
      this.lastPosition = position;
      counts.rows++;
      const d = r.date[i];
      if (!dateOk[d]) {
        if (this.badDates === 'error') {
          throw new DataError(
            `date ${r.dates[d]} is outside ${this.range[0]} … ${this.range[1]} (set data.badDates to skip-row or keep to accept it)`,
            at(label, line),
          );
        }
        if (this.badDates === 'skip-row') {
          counts.droppedRows++;
          continue;
        }
      }
      const t = r.track[i];
      let c = t; // a table row, named by the parser
      if (t < 0) {
        const k = -1 - t;
        c = code[k];
        if (c === UNSET) c = code[k] = -this.cols.extra.push(r.tracks[k]);
        if (tracks) resolveTrack(tracks, r.tracks[k], this.unknownPolicy, at(label, line), this.opts.unknownCount);
      }
      const o = this.openRows++;
      if (o === 0) this.openDay = this.fileDay ?? r.dates[d];
      this.oTrack[o] = c;
      this.oFlags[o] = r.flags[i];
      this.oCat[o] = r.categories[i];
      this.oDate[o] = r.dates[d];
      this.oFwd[o] = r.seekFwd[i];
      this.oBack[o] = r.seekBack[i];
      this.oPos[o] = position;
      this.oHour[o] = r.hour[i];
    }
  }

  /** The sessions completed since the last take(), as one block (null when there are none). */
  take(): SessionBlock | null {
    if (this.cols.S === 0) return null;
    const block = this.cols.take(this.label);
    const next = new BlockColumns();
    // The open session's extra track ids move to the next block's dictionary.
    for (let i = 0; i < this.openRows; i++) {
      const t = this.oTrack[i];
      if (t < 0) this.oTrack[i] = -next.extra.push(block.extraTrackIds[-1 - t]);
    }
    this.cols = next;
    return block;
  }

  /** Ends the file: the open session is complete. */
  finish(): void {
    this.close();
  }

  private close(): void {
    const n = this.openRows;
    if (this.openId !== null && n > 0) {
      const day = this.openDay;
      if (!this.opts.days || this.opts.days.has(day)) {
        const c = this.cols;
        c.reserve(n);
        const s = c.S;
        c.ids.push(this.openId);
        c.sessionDay[s] = c.days.index(day);
        c.sessionLength[s] = this.openLength;
        c.sessionLine[s] = this.openLine;
        let r = c.R;
        let lastDate = '';
        let lastDateIndex = 0;
        for (let i = 0; i < n; i++, r++) {
          c.trackRow[r] = this.oTrack[i];
          c.flags[r] = this.oFlags[i];
          c.categories[r] = this.oCat[i];
          if (OTHER_SLOTS[this.oCat[i]] !== 0) countOtherSlots(this.counts.unknownCategories, this.oCat[i]);
          const date = this.oDate[i];
          if (date !== lastDate || i === 0) {
            lastDate = date;
            lastDateIndex = c.dates.index(date);
          }
          c.date[r] = lastDateIndex;
          c.seekFwd[r] = this.oFwd[i];
          c.seekBack[r] = this.oBack[i];
          c.position[r] = this.oPos[i];
          c.hour[r] = this.oHour[i];
        }
        c.R = r;
        c.rowEnd[s] = r;
        c.S = s + 1;
        this.counts.sessions++;
      }
    }
    this.openId = null;
    this.openRows = 0;
  }
}

// Columns of consecutive ranges → SessionBlocks, in file order, on the thread that owns the read. This is where the
// rules that span rows live (sessions grouped by session_id, positions 1, 2, … up to session_length, one length per
// session, the date range and badDates, the days filter, unknown tracks), applied row by row in the order the old
// row reader applied them, with its counts and its messages. Track ids become track-table rows once per distinct id
// per range. Rows holding a categorical "other" slot are counted as their session is handed out.
import { DATA_DEFAULTS } from '../format/dataConfig.ts';
import { DataError } from '../../errors.ts';
import { allocateColumns, COLUMNS, makeBlock, ROW_COLUMN_NAMES, type BlockArrays, type ColumnName, type RowArrays, type SessionBlock } from '../format/block.ts';
import { DEFAULT_DATE_RANGE, inDateRange } from '../format/dates.ts';
import type { ReadCounts, ReadLogOptions } from './readOptions.ts';
import { resolveTrack } from './tracks.ts';
import { addUnknownExample, countOtherSlots, OTHER_SLOTS } from '../format/unknownCategories.ts';
import { Interner } from '../../util/interner.ts';
import { grow, type RangeRows } from './rangeRows.ts';

const at = (label: string, line: number) => `${label}:${line}`;
const OPEN_MAX = 256;
const UNSET = 0x7fffffff; // rows of one open session (session_length ≤ MAX_SESSION_LENGTH, checked per row)



const copyInto = (to: { set(from: ArrayLike<number>, at: number): void }, from: ArrayLike<number>, at: number) => to.set(from, at);

/** The growing columns of the next block (block.ts's table, grown by doubling). */
class BlockColumns {
  S = 0;
  R = 0;
  ids: string[] = [];
  days = new Interner();
  dates = new Interner();
  /** Track ids not in the table; a range's distinct ids are appended once each (duplicates across ranges are harmless). */
  extra: string[] = [];
  a: BlockArrays = allocateColumns(256, 4096);

  reserve(extraRows: number): void {
    const a = this.a as unknown as Record<ColumnName, BlockArrays[ColumnName]>;
    const sessions = this.S + 1 > this.a.rowEnd.length ? this.a.rowEnd.length * 2 : 0;
    const rows = this.R + extraRows > this.a.trackRow.length ? Math.max(this.a.trackRow.length * 2, this.R + extraRows) : 0;
    for (const { name, perRow } of COLUMNS) {
      const n = perRow ? rows : sessions;
      if (n) a[name] = grow(a[name], n);
    }
  }

  take(label: string): SessionBlock {
    const sliced: Record<string, unknown> = {};
    for (const { name, perRow } of COLUMNS) sliced[name] = this.a[name].slice(0, perRow ? this.R : this.S);
    return makeBlock({ label, ids: this.ids, days: this.days.values, dates: this.dates.values, extraTrackIds: this.extra }, sliced as unknown as BlockArrays);
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
  // Its rows in the table's row columns (trackRow: the code in the block being built, ≥ 0 table row, < 0 extra id),
  // but for dates, kept as strings until the session lands in a block with its own date dictionary.
  private readonly open: RowArrays = allocateColumns(0, OPEN_MAX);
  private readonly openDates: string[] = new Array(OPEN_MAX);

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
      const open = this.open;
      open.trackRow[o] = c;
      open.flags[o] = r.flags[i];
      open.categories[o] = r.categories[i];
      this.openDates[o] = r.dates[d];
      open.seekFwd[o] = r.seekFwd[i];
      open.seekBack[o] = r.seekBack[i];
      open.position[o] = position;
      open.hour[o] = r.hour[i];
    }
  }

  /** The sessions completed since the last take(), as one block (null when there are none). */
  take(): SessionBlock | null {
    if (this.cols.S === 0) return null;
    const block = this.cols.take(this.label);
    const next = new BlockColumns();
    // The open session's extra track ids move to the next block's dictionary.
    for (let i = 0; i < this.openRows; i++) {
      const t = this.open.trackRow[i];
      if (t < 0) this.open.trackRow[i] = -next.extra.push(block.extraTrackIds[-1 - t]);
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
        const a = c.a;
        const s = c.S;
        c.ids.push(this.openId);
        a.sessionDay[s] = c.days.index(day);
        a.sessionLength[s] = this.openLength;
        a.sessionLine[s] = this.openLine;
        const r = c.R;
        // Every row column copied as it is, but dates: those become indices into this block's date dictionary.
        for (const name of ROW_COLUMN_NAMES) if (name !== 'date') copyInto(a[name], this.open[name].subarray(0, n), r);
        let lastDate = '';
        let lastDateIndex = 0;
        for (let i = 0; i < n; i++) {
          const category = this.open.categories[i];
          if (OTHER_SLOTS[category] !== 0) countOtherSlots(this.counts.unknownCategories, category);
          const date = this.openDates[i];
          if (date !== lastDate || i === 0) {
            lastDate = date;
            lastDateIndex = c.dates.index(date);
          }
          a.date[r + i] = lastDateIndex;
        }
        c.R = r + n;
        a.rowEnd[s] = r + n;
        c.S = s + 1;
        this.counts.sessions++;
      }
    }
    this.openId = null;
    this.openRows = 0;
  }
}

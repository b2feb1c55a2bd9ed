// Session logs → Session objects, streamed: rows are grouped by session_id as they arrive (the files are sorted by
// session, then position), checked, and handed on one session at a time, so memory stays flat whatever the size.
import { DEFAULTS, type DataConfig } from '../config/schema.ts';
import { DataError } from '../errors.ts';
import { LOG_COLUMNS, MAX_SESSION_LENGTH } from './columns.ts';
import { openEntries, type TextEntry } from './archive.ts';
import { detach, headerPositions, isExactHeader, pickFields, readLineChunks, splitFields } from './csv.ts';
import { DEFAULT_DATE_RANGE, dayFromFileName, inDateRange, type DateFormat } from './dates.ts';
import { at, C, DateCache, FIELD_COUNT, findCommas, int, intAt, parseFields, parseLine } from './logrow.ts';
import { entryFilter, type ShardSpec } from './shard.ts';
import { resolveTrack, type UnknownTrackCount } from './tracks.ts';
import type { LogRow, Session, TrackTable } from './types.ts';

export interface ReadProgress {
  file: string;
  compressedBytes: number;
  rows: number;
  sessions: number;
}

/** Running totals of one read, filled in as it goes (pass an object in `ReadLogOptions.counts` to see them). */
export interface ReadCounts {
  files: number;
  rows: number;
  sessions: number;
  /** Rows dropped by badDates = 'skip-row'. */
  droppedRows: number;
  /** Bytes of the source files read (compressed for archives). */
  compressedBytes: number;
}

export interface ReadLogOptions {
  dateFormat?: DataConfig['dateFormat'];
  /**
   * Rows dated outside `dateRange` (default: DEFAULTS.data.badDates = 'skip-row'). 'skip-row' drops the row and keeps
   * the rest of its session, so row positions can then have a gap (row.position stays the file's); a session left
   * with no rows is not emitted.
   */
  badDates?: DataConfig['badDates'];
  /** Dates outside this inclusive range count as bad (default 2018-01-01 … 2018-12-31). */
  dateRange?: readonly [string, string];
  /** Keep only sessions whose Session.day is in the set; files whose name carries another day are not even opened. */
  days?: ReadonlySet<string>;
  /** Only the log files of this shard (see shard.ts for the assignment). */
  shard?: ShardSpec;
  /** Check every row's track against this table (policy `unknownTracks`, default 'error'). */
  tracks?: TrackTable;
  unknownTracks?: DataConfig['unknownTracks'];
  /** Counts the unknown track rows seen under unknownTracks = 'zeros'. */
  unknownCount?: UnknownTrackCount;
  counts?: ReadCounts;
  /** Called once per decompressed block (about every 256 KiB). */
  onProgress?: (p: ReadProgress) => void;
}

export interface RowParseOptions {
  dateFormat?: DateFormat;
}

export function newReadCounts(): ReadCounts {
  return { files: 0, rows: 0, sessions: 0, droppedRows: 0, compressedBytes: 0 };
}

const parseCaches = new Map<DateFormat, DateCache>();

/** One log row from its fields in LOG_COLUMNS order. `where` ("file:line") prefixes any DataError. */
export function parseLogRow(fields: string[], where: string, opts: RowParseOptions = {}): LogRow {
  if (fields.length !== LOG_COLUMNS.length) {
    throw new DataError(`expected ${LOG_COLUMNS.length} fields, found ${fields.length}`, where);
  }
  const format = opts.dateFormat ?? 'auto';
  let dates = parseCaches.get(format);
  if (!dates) parseCaches.set(format, (dates = new DateCache(format)));
  return parseFields(fields, where, -1, dates);
}

/** Sessions of every log file in `source` (archive, folder or file), in file order. */
export async function* readSessions(source: string, opts: ReadLogOptions = {}): AsyncGenerator<Session> {
  const accept = entryFilter(opts.days, opts.shard);
  const counts = opts.counts ?? newReadCounts();
  let bytesBefore = 0;
  let lastReader: (() => number) | null = null;
  for await (const entry of openEntries(source, accept)) {
    // Entries of one archive share a reader; separate files each start at zero.
    if (lastReader && lastReader !== entry.sourceBytesRead) bytesBefore += lastReader();
    lastReader = entry.sourceBytesRead;
    counts.files++;
    yield* readEntrySessions(entry, opts, counts, () => bytesBefore + entry.sourceBytesRead());
  }
  if (lastReader) counts.compressedBytes = bytesBefore + lastReader();
}

interface OpenSession {
  id: string;
  length: number;
  lastPosition: number;
  rows: LogRow[];
  source: string;
}

function checkLength(length: number, label: string, line: number): void {
  if (length < 1 || length > MAX_SESSION_LENGTH) {
    throw new DataError(`session_length must be 1..${MAX_SESSION_LENGTH}, found ${length}`, at(label, line));
  }
}

/** The sessions of one log file. Exported for the challenge reader, which pairs files itself. */
export async function* readEntrySessions(
  entry: TextEntry,
  opts: ReadLogOptions,
  counts: ReadCounts = newReadCounts(),
  bytesRead: () => number = entry.sourceBytesRead,
): AsyncGenerator<Session> {
  const dates = new DateCache(opts.dateFormat ?? 'auto');
  const ends = new Int32Array(FIELD_COUNT);
  let lastCheckedDate = ''; // dates repeat row after row: check the range once per change
  const badDates = opts.badDates ?? DEFAULTS.data.badDates;
  const range = opts.dateRange ?? DEFAULT_DATE_RANGE;
  const fileDay = dayFromFileName(entry.path);
  const unknownPolicy = opts.unknownTracks ?? 'error';
  const label = entry.label;

  let positions: number[] | null = null;
  let exact = true;
  let width = 0;
  let open: OpenSession | null = null;
  let ready: Session[] = [];

  const close = () => {
    if (open && open.rows.length > 0) {
      const day = fileDay ?? open.rows[0].date;
      if (!opts.days || opts.days.has(day)) {
        ready.push({ id: open.id, day, length: open.length, rows: open.rows, source: open.source });
        counts.sessions++;
      }
    }
    open = null;
  };

  for await (const chunk of readLineChunks(entry)) {
    const lines = chunk.lines;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i];
      if (text.length === 0) continue;
      const line = chunk.firstLine + i;
      if (positions === null) {
        const header = splitFields(text);
        positions = headerPositions(header, LOG_COLUMNS, at(label, line));
        width = header.length;
        exact = isExactHeader(positions, width);
        continue;
      }
      let id: string;
      let length: number;
      let row: LogRow;
      if (exact && text.indexOf('"') < 0) {
        // The common case: cut the line at its commas and read the fields in place.
        const found = findCommas(text, ends);
        if (found !== FIELD_COUNT) {
          throw new DataError(`expected ${FIELD_COUNT} fields (as in the header), found ${found}`, at(label, line));
        }
        id = open !== null && ends[0] === open.id.length && text.startsWith(open.id) ? open.id : text.slice(0, ends[0]);
        length = intAt(text, ends[C.session_length - 1] + 1, ends[C.session_length], C.session_length, label, line);
        checkLength(length, label, line);
        row = parseLine(text, ends, label, line, dates);
      } else {
        let fields = splitFields(text);
        if (fields.length !== width) {
          throw new DataError(`expected ${width} fields (as in the header), found ${fields.length}`, at(label, line));
        }
        if (!exact) fields = pickFields(fields, positions);
        id = fields[C.session_id];
        length = int(fields[C.session_length], C.session_length, label, line);
        checkLength(length, label, line);
        row = parseFields(fields, label, line, dates);
      }
      if (open === null || open.id !== id) {
        close();
        if (row.position !== 1) {
          throw new DataError(
            `session ${id} starts at session_position ${row.position}, expected 1 (rows must be sorted by session, then position)`,
            at(label, line),
          );
        }
        open = { id: detach(id), length, lastPosition: 0, rows: [], source: at(label, line) };
      } else if (length !== open.length) {
        throw new DataError(`session ${id} changes session_length from ${open.length} to ${length}`, at(label, line));
      }
      if (row.position !== open.lastPosition + 1 || row.position > length) {
        const why = row.position > length ? `out of 1..session_length (${length})` : `out of order (expected ${open.lastPosition + 1})`;
        throw new DataError(`session_position ${row.position} of session ${id} is ${why}`, at(label, line));
      }
      open.lastPosition = row.position;
      counts.rows++;
      if (row.date !== lastCheckedDate && !inDateRange(row.date, range)) {
        if (badDates === 'error') {
          throw new DataError(
            `date ${row.date} is outside ${range[0]} … ${range[1]} (set data.badDates to skip-row or keep to accept it)`,
            at(label, line),
          );
        }
        if (badDates === 'skip-row') {
          counts.droppedRows++;
          continue;
        }
      }
      lastCheckedDate = row.date;
      if (opts.tracks && !opts.tracks.index.has(row.trackId)) {
        resolveTrack(opts.tracks, row.trackId, unknownPolicy, at(label, line), opts.unknownCount);
      }
      open.rows.push(row);
    }
    if (opts.onProgress) {
      opts.onProgress({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
    }
    if (ready.length > 0) {
      const out = ready;
      ready = [];
      yield* out;
    }
  }
  if (positions === null) throw new DataError('empty file: no header line', label);
  close();
  yield* ready;
}

// Session logs → Session objects, streamed. The reading itself (decompression, parse workers, grouping and every
// check) is columnar/blockReader.ts; this file keeps the reader's options and counts and turns blocks into Sessions
// for the consumers that want row objects.
import type { DataConfig } from './dataConfig.ts';
import { DataError } from '../errors.ts';
import { LOG_COLUMNS } from './columns.ts';
import type { TextEntry } from './archive.ts';
import { sessionAt, type SessionBlock } from './cache/block.ts';
import { entryBlocks, readLogBlocks, type BlockReadOptions } from './columnar/blockReader.ts';
import { ParsePool } from './columnar/parsePool.ts';
import type { DateFormat } from './dates.ts';
import { DateCache, parseFields } from './logrow.ts';
import type { ShardSpec } from './shard.ts';
import type { UnknownTrackCount } from './tracks.ts';
import type { LogRow, Session, TrackTable } from './types.ts';
import { newUnknownCategories, type UnknownCategories } from './unknownCategories.ts';

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
  /** Per categorical column: rows of the sessions handed out holding a value outside its vocabulary, and examples. */
  unknownCategories: UnknownCategories;
}

export interface ReadLogOptions {
  dateFormat?: DataConfig['dateFormat'];
  /**
   * Rows dated outside `dateRange` (default: DATA_DEFAULTS.badDates = 'skip-row'). 'skip-row' drops the row and keeps
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
  /** Values outside a categorical column's vocabulary (default DATA_DEFAULTS.unknownCategories = 'other', counted in `counts`). */
  unknownCategories?: DataConfig['unknownCategories'];
  counts?: ReadCounts;
  /** Where the reader's notes go (default stderr), e.g. a file whose slash dates are read month first by default. */
  onNotice?: (line: string) => void;
  /** Called once per parsed byte range (about every 2 MiB of decompressed text). */
  onProgress?: (p: ReadProgress) => void;
}

export interface RowParseOptions {
  dateFormat?: DateFormat;
}

export function newReadCounts(): ReadCounts {
  return { files: 0, rows: 0, sessions: 0, droppedRows: 0, compressedBytes: 0, unknownCategories: newUnknownCategories() };
}

const parseCaches = new Map<DateFormat, DateCache>();

/**
 * One log row from its fields in LOG_COLUMNS order. `where` ("file:line") prefixes any DataError. A row alone has no
 * file to decide a slash order from: under auto a slash date both orders fit reads month first.
 */
export function parseLogRow(fields: string[], where: string, opts: RowParseOptions = {}): LogRow {
  if (fields.length !== LOG_COLUMNS.length) {
    throw new DataError(`expected ${LOG_COLUMNS.length} fields, found ${fields.length}`, where);
  }
  const format = opts.dateFormat ?? 'auto';
  let dates = parseCaches.get(format);
  if (!dates) parseCaches.set(format, (dates = new DateCache(format)));
  return parseFields(fields, where, -1, dates);
}

/** A block's sessions as Session objects (track ids from the table when the block refers to it). */
function blockSessions(b: SessionBlock, tracks: TrackTable | null): Session[] {
  const out = new Array<Session>(b.ids.length);
  for (let s = 0; s < b.ids.length; s++) out[s] = sessionAt(b, s, tracks);
  return out;
}

/** Sessions of every log file in `source` (archive, folder or file), in file order. */
export async function* readSessions(source: string, opts: BlockReadOptions = {}): AsyncGenerator<Session> {
  for await (const item of readLogBlocks(source, opts)) {
    if (item.kind === 'block') yield* blockSessions(item.block, opts.tracks ?? null);
  }
}

/** The sessions of one log file. Exported for the challenge reader, which pairs files itself. */
export async function* readEntrySessions(entry: TextEntry, opts: BlockReadOptions, counts: ReadCounts = newReadCounts()): AsyncGenerator<Session> {
  const pool = new ParsePool(opts.workers ?? 0);
  try {
    for await (const block of entryBlocks(entry, opts, counts, pool)) yield* blockSessions(block, opts.tracks ?? null);
  } finally {
    pool.close();
  }
}

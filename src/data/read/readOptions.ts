// What a read of the logs takes (ReadLogOptions) and counts as it goes (ReadCounts): shared by the block reader and
// everything that reads through it.
import type { DataConfig } from '../format/dataConfig.ts';
import type { ShardSpec } from '../source/shard.ts';
import type { TrackTable } from '../format/types.ts';
import type { UnknownTrackCount } from './tracks.ts';
import { newUnknownCategories, type UnknownCategories } from '../format/unknownCategories.ts';

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

export function newReadCounts(): ReadCounts {
  return { files: 0, rows: 0, sessions: 0, droppedRows: 0, compressedBytes: 0, unknownCategories: newUnknownCategories() };
}


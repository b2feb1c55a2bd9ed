// Session logs → Session objects, streamed. The reading itself (decompression, parse workers, grouping and every
// check) is columnar/blockReader.ts, its options and counts readOptions.ts; this file turns blocks into Sessions for
// the consumers that want row objects.
import { DataError } from '../errors.ts';
import { LOG_COLUMNS } from './columns.ts';
import type { TextEntry } from './textEntry.ts';
import { sessionsOfBlocks } from './cache/block.ts';
import { blocksOf, entryBlocks, readLogBlocks, type BlockReadOptions } from './columnar/blockReader.ts';
import { ParsePool } from './columnar/parsePool.ts';
import type { DateFormat } from './dates.ts';
import { DateCache, parseFields } from './logrow.ts';
import type { LogRow, Session } from './types.ts';
import { newReadCounts, type ReadCounts } from './readOptions.ts';

export interface RowParseOptions {
  dateFormat?: DateFormat;
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

/** Sessions of every log file in `source` (archive, folder or file), in file order. */
export function readSessions(source: string, opts: BlockReadOptions = {}): AsyncGenerator<Session> {
  return sessionsOfBlocks(blocksOf(readLogBlocks(source, opts)), opts.tracks ?? null);
}

/** The sessions of one log file. Exported for the challenge reader, which pairs files itself. */
export async function* readEntrySessions(entry: TextEntry, opts: BlockReadOptions, counts: ReadCounts = newReadCounts()): AsyncGenerator<Session> {
  const pool = new ParsePool(opts.workers ?? 0);
  try {
    yield* sessionsOfBlocks(entryBlocks(entry, opts, counts, pool), opts.tracks ?? null);
  } finally {
    pool.close();
  }
}

// Session logs → Session objects, streamed. The reading itself (decompression, parse workers, grouping and every
// check) is blockReader.ts, its options and counts readOptions.ts; this file turns blocks into Sessions for the
// consumers that want row objects.
import type { TextEntry } from '../source/textEntry.ts';
import { sessionsOfBlocks } from '../format/block.ts';
import { blocksOf, entryBlocks, readLogBlocks, type BlockReadOptions } from './blockReader.ts';
import { ParsePool } from './parsePool.ts';
import type { Session } from '../format/types.ts';
import { newReadCounts, type ReadCounts } from './readOptions.ts';

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

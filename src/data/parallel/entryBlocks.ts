// The logs as a stream of per-file session blocks: what a parsing thread produces and the cache writes, with no
// Session object surviving past its block. Runs the ordinary reader (readEntrySessions), so the sessions, their
// order and every error message are exactly readSessions'.
import { openEntries } from '../archive.ts';
import { entryFilter, type ShardSpec } from '../shard.ts';
import { newReadCounts, readEntrySessions, type ReadCounts, type ReadLogOptions } from '../logs.ts';
import { SessionBlockBuilder, type SessionBlock } from '../cache/block.ts';
import { fastEntryBlocks, SlowPath } from './fastBlocks.ts';

/** Sessions per block: about a megabyte of rows, small enough to keep memory flat, large enough to amortise a hop. */
export const BLOCK_SESSIONS = 4096;

export type EntryItem =
  | { kind: 'entry'; path: string; label: string }
  | { kind: 'block'; block: SessionBlock }
  | { kind: 'entryEnd' }
  | { kind: 'end'; counts: ReadCounts };

/** Which files a thread parses when several share a source: those with index ≡ `index` (mod `of`). */
export interface SourcePart {
  index: number;
  of: number;
}

/** Reader options that can cross a thread boundary (no functions, no track table, `days` as a list). */
export interface PortableReadOptions {
  dateFormat?: ReadLogOptions['dateFormat'];
  badDates?: ReadLogOptions['badDates'];
  dateRange?: [string, string];
  days?: string[];
  shard?: ShardSpec;
}

export function portableOptions(opts: ReadLogOptions): PortableReadOptions {
  return {
    dateFormat: opts.dateFormat,
    badDates: opts.badDates,
    dateRange: opts.dateRange ? [opts.dateRange[0], opts.dateRange[1]] : undefined,
    days: opts.days ? [...opts.days] : undefined,
    shard: opts.shard ? { ...opts.shard } : undefined,
  };
}

/**
 * Entries, their sessions in blocks (track ids as strings: no table here), then the final counts. `onProgress`
 * is called as readSessions would call it.
 */
export async function* readEntryBlocks(
  source: string,
  portable: PortableReadOptions,
  onProgress?: ReadLogOptions['onProgress'],
  blockSessions = BLOCK_SESSIONS,
  part: SourcePart = { index: 0, of: 1 },
): AsyncGenerator<EntryItem> {
  const days = portable.days ? new Set(portable.days) : undefined;
  const opts: ReadLogOptions = { dateFormat: portable.dateFormat, badDates: portable.badDates, dateRange: portable.dateRange, days, onProgress };
  // The same file test as readSessions: files named for another day, or of another shard, are not even opened.
  const accept = entryFilter(days, portable.shard);
  const counts = newReadCounts();
  let bytesBefore = 0;
  let lastReader: (() => number) | null = null;
  let index = -1;
  for await (const entry of openEntries(source, accept)) {
    if (lastReader && lastReader !== entry.sourceBytesRead) bytesBefore += lastReader();
    lastReader = entry.sourceBytesRead;
    if (++index % part.of !== part.index) continue; // another thread's file (skipped unread)
    counts.files++;
    yield { kind: 'entry', path: entry.path, label: entry.label };
    const before = bytesBefore;
    const bytesRead = () => before + entry.sourceBytesRead();
    const countsBefore = { ...counts };
    let handedOut = 0;
    try {
      for await (const block of fastEntryBlocks(entry, opts, counts, bytesRead, blockSessions)) {
        handedOut += block.ids.length;
        yield { kind: 'block', block };
      }
    } catch (e) {
      if (!(e instanceof SlowPath)) throw e;
      // This file needs the reference reader: read it again from its start, handing out only what is new.
      Object.assign(counts, countsBefore);
      yield* referenceEntryBlocks(source, entry.path, entry.label, opts, counts, handedOut, blockSessions);
    }
    yield { kind: 'entryEnd' };
  }
  if (lastReader) counts.compressedBytes = bytesBefore + lastReader();
  yield { kind: 'end', counts };
}

/** Blocks of one file (found again by its entry path) read by readEntrySessions, the first `skip` sessions left out. */
async function* referenceEntryBlocks(
  source: string,
  path: string,
  label: string,
  opts: ReadLogOptions,
  counts: ReadCounts,
  skip: number,
  blockSessions: number,
): AsyncGenerator<EntryItem> {
  const builder = new SessionBlockBuilder(label, null);
  for await (const entry of openEntries(source, (p) => p === path)) {
    let seen = 0;
    for await (const s of readEntrySessions(entry, opts, counts, entry.sourceBytesRead)) {
      if (seen++ < skip) continue;
      builder.add(s);
      if (builder.sessions >= blockSessions) yield { kind: 'block', block: builder.take() };
    }
    break;
  }
  if (builder.sessions > 0) yield { kind: 'block', block: builder.take() };
}

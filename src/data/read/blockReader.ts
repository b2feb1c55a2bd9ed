// The one path from a log source to sessions: each file is decompressed once (zlib on libuv's pool, tar-stream on
// this thread), its header read and the rest cut at line ends into ~2 MiB byte ranges (rangeCutter.ts) that parse
// workers turn into columns (rangeParser.ts); the columns come back in order and are grouped into SessionBlocks
// (orderedAssembly.ts, assembler.ts). At most a few ranges per worker are in flight and a block is handed on before
// more input is read, so memory stays flat whatever the archive's size. Under dateFormat auto a file's ranges may
// wait for its slash order (dateOrder.ts), at most DATE_LOOKAHEAD_ROWS rows of them. V8's heap may grow further
// than its default while a pass runs (util/heapGrowth.ts): otherwise it marks almost without pause.
import { DATA_DEFAULTS } from '../format/dataConfig.ts';
import { DataError } from '../../errors.ts';
import { openEntries } from '../source/archive.ts';
import { StreamError, type TextEntry } from '../source/textEntry.ts';
import type { SessionBlock } from '../format/block.ts';
import { dayFromFileName } from '../format/dates.ts';
import { entryFilter } from '../source/shard.ts';
import { newReadCounts, type ReadCounts, type ReadLogOptions } from './readOptions.ts';
import { OrderedAssembly } from './orderedAssembly.ts';
import { defaultParseWorkers, ParsePool } from './parsePool.ts';
import { RangeCutter } from './rangeCutter.ts';
import type { RangeRows } from './rangeRows.ts';
import { sharedTrackIndex } from './trackIndex.ts';
import { passHeapGrowth } from '../../util/heapGrowth.ts';

export interface BlockReadOptions extends ReadLogOptions {
  /** Parse worker threads (default: defaultParseWorkers()); 0 parses on the reading thread. */
  workers?: number;
  /** Decompressed bytes per parse job (default 2 MiB). */
  rangeBytes?: number;
  /** Bytes parsed on the reading thread before workers start (default 8 MiB: small inputs never start any). */
  inlineBytes?: number;
  /** Rows of a file held while its dates fit both slash orders (dateFormat auto; default DATE_LOOKAHEAD_ROWS). */
  dateLookaheadRows?: number;
}

/** What a read yields: each file's start, its session blocks and its end, then the totals. */
export type EntryItem =
  | { kind: 'entry'; path: string; label: string }
  | { kind: 'block'; block: SessionBlock }
  | { kind: 'entryEnd' }
  | { kind: 'end'; counts: ReadCounts };

/** The blocks of a read, without its entry markers and totals. */
export async function* blocksOf(items: AsyncIterable<EntryItem>): AsyncGenerator<SessionBlock> {
  for await (const item of items) if (item.kind === 'block') yield item.block;
}

const RANGE = 2 * 1024 * 1024;
/** Ranges in flight per worker (and at least this many inline): enough to keep each busy while one is assembled. */
const IN_FLIGHT_PER_WORKER = 3;
/** About 75 MB of log text; held as columns it measured ~60 MB of RSS. Past it the order is guessed (and said). */
const DATE_LOOKAHEAD_ROWS = 500_000;

/** Every log file of `source` (archive, folder or file) as entry items, in file order. */
export async function* readLogBlocks(source: string, opts: BlockReadOptions = {}): AsyncGenerator<EntryItem> {
  const counts = opts.counts ?? newReadCounts();
  const pool = new ParsePool(opts.workers ?? defaultParseWorkers(), opts.inlineBytes);
  const releaseHeapGrowth = passHeapGrowth.hold();
  let bytesBefore = 0;
  let lastReader: (() => number) | null = null;
  try {
    for await (const entry of openEntries(source, entryFilter(opts.days, opts.shard))) {
      // Entries of one archive share a reader; separate files each start at zero.
      if (lastReader && lastReader !== entry.sourceBytesRead) bytesBefore += lastReader();
      lastReader = entry.sourceBytesRead;
      counts.files++;
      yield { kind: 'entry', path: entry.path, label: entry.label };
      const before = bytesBefore;
      for await (const block of entryBlocks(entry, opts, counts, pool, () => before + entry.sourceBytesRead())) {
        yield { kind: 'block', block };
      }
      yield { kind: 'entryEnd' };
    }
    if (lastReader) counts.compressedBytes = bytesBefore + lastReader();
    yield { kind: 'end', counts };
  } finally {
    pool.close();
    releaseHeapGrowth();
  }
}

/** The session blocks of one log file, parsed by `pool`. */
export async function* entryBlocks(
  entry: TextEntry,
  opts: BlockReadOptions,
  counts: ReadCounts,
  pool: ParsePool,
  bytesRead: () => number = entry.sourceBytesRead,
): AsyncGenerator<SessionBlock> {
  const label = entry.label;
  const fileDay = dayFromFileName(entry.path);
  const rangeBytes = opts.rangeBytes ?? RANGE;
  const cutter = new RangeCutter(label, rangeBytes, (n) => pool.rangeBuffer(n, rangeBytes + rangeBytes / 4));
  // The totals after each range but the file's last, whose report waits until its last session is closed.
  const report = (): void => opts.onProgress?.({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
  const assembly = new OrderedAssembly(label, fileDay, opts, counts, opts.dateLookaheadRows ?? DATE_LOOKAHEAD_ROWS, () => cutter.line, report);
  const job = { dateFormat: opts.dateFormat ?? 'auto', fileDay, tracks: opts.tracks ? sharedTrackIndex(opts.tracks) : null, unknownCategories: opts.unknownCategories ?? DATA_DEFAULTS.unknownCategories };
  const maxInFlight = Math.max(IN_FLIGHT_PER_WORKER, pool.size * IN_FLIGHT_PER_WORKER);
  const queue: Promise<RangeRows>[] = [];
  const send = (bytes: Uint8Array): void => {
    const rows = pool.submit({ ...job, bytes, layout: cutter.layout! });
    rows.catch(() => {}); // a read stopped early never awaits it; one that goes on sees the failure when it is its turn
    queue.push(rows);
  };
  const settle = async function* (hold = false): AsyncGenerator<SessionBlock> {
    yield* assembly.add(await queue.shift()!, hold);
  };

  try {
    for await (const chunk of entry.bytes) {
      for (const range of cutter.push(chunk)) send(range);
      while (queue.length >= maxInFlight) yield* settle();
    }
  } catch (e) {
    if (!(e instanceof StreamError)) throw e;
    // The lines read before the failure are parsed first: their errors come first, as a line reader meets them.
    const range = cutter.wholeLines();
    if (range) send(range);
    while (queue.length > 0) yield* settle();
    yield* assembly.endOfFile(true);
    const line = cutter.layout === null ? cutter.line : assembly.nextLine;
    throw new DataError(`${e.reason} (while reading line ${line})`, `${label}:${line}`);
  }
  const rest = cutter.end();
  if (rest) send(rest);
  while (queue.length > 0) yield* settle(queue.length === 1); // the last range's sessions go with the file's last
  yield* assembly.endOfFile(false);
  yield* assembly.finish();
}

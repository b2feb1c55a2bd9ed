// The one path from a log source to sessions: each file is decompressed once (zlib on libuv's pool, tar-stream on
// this thread), its header read here, and the rest cut at line ends into ~2 MiB byte ranges that parse workers turn
// into columns (rangeParser.ts); the columns come back in order and are grouped into SessionBlocks here
// (assembler.ts). At most a few ranges per worker are in flight and a block is handed on before more input is read,
// so memory stays flat whatever the archive's size. Under dateFormat auto a file's ranges may wait for its slash
// order (dateOrder.ts), at most DATE_LOOKAHEAD_ROWS rows of them.
import { DATA_DEFAULTS } from '../format/dataConfig.ts';
import { DataError } from '../../errors.ts';
import { LOG_COLUMNS } from '../format/columns.ts';
import { openEntries } from '../source/archive.ts';
import { StreamError, type TextEntry } from '../source/textEntry.ts';
import type { SessionBlock } from '../format/block.ts';
import { headerPositions, isExactHeader, splitFields } from '../source/csv.ts';
import { dayFromFileName } from '../format/dates.ts';
import { entryFilter } from '../source/shard.ts';
import type { HeaderLayout } from './logrow.ts';
import { newReadCounts, type ReadCounts, type ReadLogOptions } from './readOptions.ts';
import { SessionAssembler } from './assembler.ts';
import { FileDateOrder } from './dateOrder.ts';
import { defaultParseWorkers, ParsePool } from './parsePool.ts';
import type { RangeRows } from './rangeParser.ts';
import { sharedTrackIndex } from './trackIndex.ts';

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

const NL = 0x0a;
const RANGE = 2 * 1024 * 1024;
/** Ranges in flight per worker (and at least this many inline): enough to keep each busy while one is assembled. */
const IN_FLIGHT_PER_WORKER = 3;
/** About 75 MB of log text; held as columns it measured ~60 MB of RSS. Past it the order is guessed (and said). */
const DATE_LOOKAHEAD_ROWS = 500_000;

/** Every log file of `source` (archive, folder or file) as entry items, in file order. */
export async function* readLogBlocks(source: string, opts: BlockReadOptions = {}): AsyncGenerator<EntryItem> {
  const counts = opts.counts ?? newReadCounts();
  const pool = new ParsePool(opts.workers ?? defaultParseWorkers(), opts.inlineBytes);
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
  const rangeBytes = opts.rangeBytes ?? RANGE;
  const fileDay = dayFromFileName(entry.path);
  const assembler = new SessionAssembler(label, fileDay, opts, counts);
  const dateFormat = opts.dateFormat ?? 'auto';
  const order = dateFormat === 'auto' ? new FileDateOrder(label, fileDay, opts.onNotice) : null;
  const lookahead = opts.dateLookaheadRows ?? DATE_LOOKAHEAD_ROWS;
  const held: { rows: RangeRows; first: number }[] = []; // parsed, waiting for the file's slash order
  let heldRows = 0;
  const tracks = opts.tracks ? sharedTrackIndex(opts.tracks) : null;
  const unknownCategories = opts.unknownCategories ?? DATA_DEFAULTS.unknownCategories;
  const maxInFlight = Math.max(IN_FLIGHT_PER_WORKER, pool.size * IN_FLIGHT_PER_WORKER);
  const queue: Promise<RangeRows>[] = [];
  let layout: HeaderLayout | null = null;
  let acc = Buffer.allocUnsafeSlow(Math.max(64 * 1024, rangeBytes + rangeBytes / 4));
  let fill = 0;
  let accLine = 1; // file line number of acc[0]
  let started = false; // past a leading BOM
  let nextLine = 0; // file line number of the first range still in the queue

  /** The header is the first non-blank line: read here, its layout sent with every range. */
  const readHeader = (final: boolean): void => {
    let start = 0;
    if (!started && fill >= 3 && acc[0] === 0xef && acc[1] === 0xbb && acc[2] === 0xbf) start = 3;
    if (!started && (fill >= 3 || final)) started = true;
    if (!started) return;
    while (layout === null) {
      let nl = acc.indexOf(NL, start);
      if (nl < 0 || nl >= fill) {
        if (!final || start >= fill) break;
        nl = fill;
      }
      let end = nl;
      if (end > start && acc[end - 1] === 0x0d) end--;
      if (end > start) {
        const header = splitFields(acc.toString('utf8', start, end));
        const positions = headerPositions(header, LOG_COLUMNS, `${label}:${accLine}`);
        layout = { positions, width: header.length, exact: isExactHeader(positions, header.length) };
      }
      accLine++;
      start = Math.min(nl + 1, fill);
    }
    if (start > 0) {
      acc.copyWithin(0, start, fill);
      fill -= start;
    }
    if (layout !== null) nextLine = accLine;
  };

  /** acc[start, end) (whole lines) as one job, in a buffer of its own: it is transferred to a worker. */
  const send = (start: number, end: number): void => {
    const bytes = new Uint8Array(end - start);
    bytes.set(acc.subarray(start, end));
    const rows = pool.submit({ bytes, layout: layout!, dateFormat, fileDay, tracks, unknownCategories });
    rows.catch(() => {}); // a read stopped early never awaits it; one that goes on sees the failure in settle()
    queue.push(rows);
  };

  /**
   * The totals so far: after each range but the file's last, whose report waits until finish() has closed the
   * file's last session (still open until the end of the file), so that a file's last report counts it.
   */
  const report = (): void => opts.onProgress?.({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });

  /** A range's rows into the assembler (its dates in the file's order), then its error if it has one. */
  const assemble = (rows: RangeRows, first: number): void => {
    order?.resolve(rows);
    assembler.add(rows, first);
    if (rows.error) throw new DataError(rows.error.reason, `${label}:${first + rows.error.line}`);
  };

  /** The waiting ranges, now that the order is known, with their finished sessions. */
  async function* release(): AsyncGenerator<SessionBlock> {
    for (const h of held.splice(0)) {
      assemble(h.rows, h.first);
      report();
      const block = assembler.take();
      if (block) yield block;
    }
    heldRows = 0;
  }

  /** The oldest range's rows into the assembler; its finished sessions out (unless more are to join them). */
  async function* settle(hold = false): AsyncGenerator<SessionBlock> {
    const rows = await queue.shift()!;
    const first = nextLine;
    nextLine += rows.lines;
    if (order) {
      order.see(rows, first);
      if (held.length > 0 || order.waits(rows)) {
        if (order.order === null && rows.error === null && heldRows + rows.rows <= lookahead) {
          held.push({ rows, first });
          heldRows += rows.rows;
          return;
        }
        if (order.order === null) order.guess(nextLine, rows.error !== null);
        yield* release();
      }
    }
    assemble(rows, first);
    if (hold) return;
    report();
    const block = assembler.take();
    if (block) yield block;
  }

  /** The end of the file (or of what could be read of it): waiting ranges are read in the default order. */
  async function* endOfFile(failing: boolean): AsyncGenerator<SessionBlock> {
    if (held.length === 0) return;
    order!.guess(-1, failing);
    yield* release();
  }

  try {
    for await (const chunk of entry.bytes) {
      if (fill + chunk.length > acc.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(acc.length * 2, fill + chunk.length));
        acc.copy(bigger, 0, 0, fill);
        acc = bigger;
      }
      chunk.copy(acc, fill);
      fill += chunk.length;
      if (layout === null) readHeader(false);
      let head = 0;
      while (layout !== null && fill - head >= rangeBytes) {
        let cut = acc.lastIndexOf(NL, head + rangeBytes - 1);
        if (cut < head) cut = acc.indexOf(NL, head + rangeBytes); // a line longer than a range
        if (cut < 0 || cut >= fill) break;
        send(head, cut + 1);
        head = cut + 1;
      }
      if (head > 0) {
        acc.copyWithin(0, head, fill);
        fill -= head;
      }
      while (queue.length >= maxInFlight) yield* settle();
    }
  } catch (e) {
    if (!(e instanceof StreamError)) throw e;
    // The lines read before the failure are parsed first: their errors come first, as a line reader meets them.
    const cut = layout === null || fill === 0 ? -1 : acc.lastIndexOf(NL, fill - 1);
    if (cut >= 0) send(0, cut + 1);
    fill = 0;
    while (queue.length > 0) yield* settle();
    yield* endOfFile(true);
    const line = layout === null ? accLine : nextLine;
    throw new DataError(`${e.reason} (while reading line ${line})`, `${label}:${line}`);
  }
  if (layout === null) readHeader(true);
  if (layout === null) throw new DataError('empty file: no header line', label);
  if (fill > 0) send(0, fill);
  while (queue.length > 0) yield* settle(queue.length === 1); // the last range's sessions go with the file's last
  yield* endOfFile(false);
  assembler.finish();
  report();
  const last = assembler.take();
  if (last) yield last;
}

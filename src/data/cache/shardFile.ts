// Shard files: the blocks of one input log file, appended to a temp file and renamed into place when complete, and
// read back one block at a time (flat memory: one block, about a megabyte, in flight). The writer keeps the file's
// CRC-32C for the manifest; the reader checks the whole file against it before it yields a single block, so a
// damaged shard is an error naming it, never sessions made of wrong bytes (a CRC at the end of a one-pass read
// would come after the damaged blocks were used, and damage can also break a block's parse outright).
// The reader reads synchronously: its consumers (an epoch's batches) never give the event loop a turn between
// blocks, so each awaited read cost them a round trip to the thread pool with nothing else to do (the feed ran
// ~15% faster with the same reads made synchronous, alternated epochs in one process).
import { closeSync, openSync, readSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataError } from '../../errors.ts';
import { crc32c, crcText } from '../../util/crc32c.ts';
import { fileCrc32c } from '../../util/fileCrc32c.ts';
import { fileError } from '../../util/failures.ts';
import { spareOrFresh, type SpareBuffers } from '../../util/spareBuffers.ts';
import type { SessionBlock } from '../format/block.ts';
import { BLOCK_HEADER_BYTES, blockBodyBytes, deserializeBlock, readBlockHeader, serializeBlock } from './shardFormat.ts';

/** Writes blocks to `path` through a temp file; `finish()` fsyncs and renames, `abort()` deletes the temp file. */
export class ShardWriter {
  private handle: FileHandle | null = null;
  private readonly tmp: string;
  bytes = 0;
  /** CRC-32C of the bytes written so far. */
  crc32c = 0;
  sessions = 0;
  rows = 0;

  constructor(readonly path: string) {
    this.tmp = `${path}.${process.pid}.tmp`;
  }

  async write(block: SessionBlock): Promise<void> {
    if (block.ids.length === 0) return;
    const bytes = serializeBlock(block);
    await this.writing(async () => {
      this.handle ??= await open(this.tmp, 'w');
      await this.handle.write(bytes);
    });
    this.bytes += bytes.length;
    this.crc32c = crc32c(bytes, this.crc32c);
    this.sessions += block.ids.length;
    this.rows += block.rowEnd[block.ids.length - 1];
  }

  async finish(): Promise<void> {
    await this.writing(async () => {
      this.handle ??= await open(this.tmp, 'w');
      await this.handle.sync();
      await this.handle.close();
      this.handle = null;
      await rename(this.tmp, this.path);
    });
  }

  /** Failures name the shard, not its temp file (which abort() removes). */
  private async writing(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      throw fileError(e, 'write', this.path);
    }
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
    await unlink(this.tmp).catch(() => {});
  }
}

/**
 * The blocks of a shard file, in order. With `crc` (the manifest's, absent in caches from before CRCs) the file is
 * checked first. A mismatch, a wrong magic number or a short read is a DataError naming the shard. With `spare`,
 * a block is read into a given-back buffer (of up to twice its size) where there is one.
 */
export function* readShardBlocks(path: string, crc?: number, spare?: SpareBuffers): Generator<SessionBlock> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new DataError('cache shard is missing (delete the cache folder or run prepare --cache again)', path);
  }
  try {
    if (crc !== undefined) {
      const actual = fileCrc32c(fd, spare);
      if (actual !== crc) {
        throw new DataError(
          `cache shard is corrupt (CRC-32C ${crcText(actual)}, the manifest says ${crcText(crc)}): delete the cache folder ` +
            `${dirname(path)}; the next run with data.cache (or prepare --cache) builds it again`,
          path,
        );
      }
    }
    const head = Buffer.alloc(BLOCK_HEADER_BYTES);
    let offset = 0;
    for (;;) {
      const bytesRead = readSync(fd, head, 0, BLOCK_HEADER_BYTES, offset);
      if (bytesRead === 0) return;
      const h = bytesRead === BLOCK_HEADER_BYTES ? readBlockHeader(head) : null;
      if (!h) throw new DataError(`not a cache block at byte ${offset} (corrupt or truncated shard)`, path);
      const size = blockBodyBytes(h.jsonBytes, h.sessions, h.rows);
      // A buffer of the block's own (the block's arrays are views into it, and the consumer may keep them), unless
      // the consumer gives buffers back.
      const body = Buffer.from(spareOrFresh(spare, size, 2 * size), 0, size);
      const got = readFully(fd, body, offset + BLOCK_HEADER_BYTES);
      if (got !== size) throw new DataError(`cache shard is truncated at byte ${offset + BLOCK_HEADER_BYTES + got}`, path);
      offset += BLOCK_HEADER_BYTES + size;
      yield deserializeBlock(h, body);
    }
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Buffer, position: number): number {
  let got = 0;
  while (got < into.length) {
    const bytesRead = readSync(fd, into, got, into.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

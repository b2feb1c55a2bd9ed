// Shard files: the blocks of one input log file, appended to a temp file and renamed into place when complete, and
// read back one block at a time (flat memory: one block, about a megabyte, in flight).
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { DataError } from '../../errors.ts';
import { fileError } from '../../util/failures.ts';
import type { SessionBlock } from './block.ts';
import { BLOCK_HEADER_BYTES, blockBodyBytes, deserializeBlock, readBlockHeader, serializeBlock } from './shardFormat.ts';

/** Writes blocks to `path` through a temp file; `finish()` fsyncs and renames, `abort()` deletes the temp file. */
export class ShardWriter {
  private handle: FileHandle | null = null;
  private readonly tmp: string;
  bytes = 0;
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

/** The blocks of a shard file, in order. A wrong magic number or a short read is a DataError naming the shard. */
export async function* readShardBlocks(path: string): AsyncGenerator<SessionBlock> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new DataError('cache shard is missing (delete the cache folder or run prepare --cache again)', path);
  }
  try {
    const head = Buffer.alloc(BLOCK_HEADER_BYTES);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(head, 0, BLOCK_HEADER_BYTES, offset);
      if (bytesRead === 0) return;
      const h = bytesRead === BLOCK_HEADER_BYTES ? readBlockHeader(head) : null;
      if (!h) throw new DataError(`not a cache block at byte ${offset} (corrupt or truncated shard)`, path);
      const size = blockBodyBytes(h.jsonBytes, h.sessions, h.rows);
      // A fresh, unpooled buffer per block: the block's arrays are views into it, and the consumer may keep them.
      const body = Buffer.allocUnsafeSlow(size);
      const got = await readFully(handle, body, offset + BLOCK_HEADER_BYTES);
      if (got !== size) throw new DataError(`cache shard is truncated at byte ${offset + BLOCK_HEADER_BYTES + got}`, path);
      offset += BLOCK_HEADER_BYTES + size;
      yield deserializeBlock(h, body);
    }
  } finally {
    await handle.close();
  }
}

async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await handle.read(into, got, into.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

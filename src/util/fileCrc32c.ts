// The CRC-32C of a whole file, read in pieces: cache shards and exported Parquet parts are checked whole before any
// of their bytes are used.
import type { FileHandle } from 'node:fs/promises';
import { crc32c } from './crc32c.ts';

/** CRC-32C of the file open as `handle`, read in pieces of at most 4 MiB (no bigger than the file: fresh memory is not free). */
export async function fileCrc32c(handle: FileHandle): Promise<number> {
  const piece = Buffer.allocUnsafeSlow(Math.max(1, Math.min(4 << 20, (await handle.stat()).size)));
  let crc = 0;
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(piece, 0, piece.length, position);
    if (bytesRead === 0) return crc;
    crc = crc32c(piece.subarray(0, bytesRead), crc);
    position += bytesRead;
  }
}

// The CRC-32C of a whole file, read in pieces: cache shards and exported Parquet parts are checked whole before any
// of their bytes are used.
import { fstatSync, readSync } from 'node:fs';
import { crc32c } from './crc32c.ts';
import { spareOrFresh, type SpareBuffers } from './spareBuffers.ts';

/**
 * CRC-32C of the file open as `fd`, read synchronously in pieces of at most 4 MiB (no bigger than the file: fresh
 * memory is not free), into a buffer from `spare` when it has one, given back after.
 */
export function fileCrc32c(fd: number, spare?: SpareBuffers): number {
  const size = Math.max(1, Math.min(4 << 20, fstatSync(fd).size));
  const memory = spareOrFresh(spare, size, Infinity);
  const piece = Buffer.from(memory, 0, size);
  let crc = 0;
  for (let position = 0; ; ) {
    const bytesRead = readSync(fd, piece, 0, piece.length, position);
    if (bytesRead === 0) break;
    crc = crc32c(piece.subarray(0, bytesRead), crc);
    position += bytesRead;
  }
  spare?.give(memory);
  return crc;
}

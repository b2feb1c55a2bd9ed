// Atomic file writes: readers never see a half-written file, and a crash leaves the old file (or none) in place.
// The data goes to a temp file in the same folder (same filesystem, so the rename is atomic), is fsynced, then renamed.
// A failure (a full disk) names `path`, not the temp file, which is removed, and says the old file is untouched.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { fileError, withNote } from './failures.ts';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

function writeFailed(e: unknown, path: string): unknown {
  return withNote(fileError(e, 'write', path), 'the previous file, if any, is unchanged');
}

/** fsync the finished temp file, then rename it into place; on any failure the temp file is removed. */
async function commit(tmp: string, path: string): Promise<void> {
  try {
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw writeFailed(e, path);
  }
}

/** Write `data` to `path` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw writeFailed(e, path);
  }
  await commit(tmp, path);
}

/**
 * Stream lines into `path` atomically (a submission for the whole test set): `produce` gets a write function that
 * waits when the stream is full, keeping memory flat; the file is put in place only if `produce` finishes.
 */
export async function writeLinesAtomic(path: string, produce: (writeLine: (line: string) => Promise<void>) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const out = createWriteStream(tmp);
  let streamError: unknown;
  out.on('error', (e) => (streamError = writeFailed(e, path)));
  try {
    await produce(async (line) => {
      if (streamError) throw streamError;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'finish');
    if (streamError) throw streamError;
  } catch (e) {
    // The stream may still be opening the file: wait until it is closed, or the unlink could come first.
    if (!out.closed) await once(out.destroy(), 'close');
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await commit(tmp, path);
}

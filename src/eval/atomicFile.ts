// Streamed outputs (a submission for the whole test set) appear whole or not at all: written to a temp file beside
// the target, renamed into place at the end, the temp file removed on failure. Whole-string files: util/atomic.ts.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';

function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${Date.now()}.tmp`;
}

/**
 * Stream lines into `path`: `produce` gets a write function (which waits when the stream is full, keeping memory
 * flat); the file is renamed into place only if `produce` finishes without throwing.
 */
export async function writeLinesAtomic(path: string, produce: (writeLine: (line: string) => Promise<void>) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const out = createWriteStream(tmp);
  let streamError: unknown;
  out.on('error', (e) => (streamError = e));
  try {
    await produce(async (line) => {
      if (streamError) throw streamError;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'finish');
    if (streamError) throw streamError;
    await rename(tmp, path);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

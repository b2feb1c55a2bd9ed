// Writes in-memory sessions as MSSD log CSVs (and a .tar.gz of them), so cache tests can compare the cache with
// the ordinary reader on real files.
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { CONTEXT_TYPES, LOG_COLUMNS, REASONS_END, REASONS_START } from '../../src/data/format/columns.ts';
import type { LogRow, Session } from '../../src/data/format/types.ts';

export function logCsv(sessions: Session[]): string {
  const lines = [LOG_COLUMNS.join(',')];
  const b = (v: boolean) => (v ? 'true' : 'false');
  for (const s of sessions) {
    for (const r of s.rows as LogRow[]) {
      lines.push(
        [
          s.id,
          r.position,
          s.length,
          r.trackId,
          b(r.skip1),
          b(r.skip2),
          b(r.skip3),
          b(r.notSkipped),
          b(r.contextSwitch),
          b(r.noPause),
          b(r.shortPause),
          b(r.longPause),
          r.seekFwd,
          r.seekBack,
          b(r.shuffle),
          r.hour,
          r.date,
          b(r.premium),
          CONTEXT_TYPES[r.contextType] ?? 'some_new_context',
          REASONS_START[r.reasonStart] ?? 'some_new_reason',
          REASONS_END[r.reasonEnd] ?? 'some_new_reason',
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** A .tar.gz holding the given files (name → path on disk), in that order. */
export async function writeTarGz(out: string, files: Record<string, string>): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(out));
  for (const [name, path] of Object.entries(files)) {
    const data = await readFile(path);
    await new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length }, data, (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
}

export async function writeLogCsv(path: string, sessions: Session[]): Promise<void> {
  await writeFile(path, logCsv(sessions));
}

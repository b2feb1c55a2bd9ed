// What a pass read, as sizes and modification times: a cache, a pass's partial results or an explore merge is
// reused only while its inputs' fingerprints match (a change is named in words).
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { listFilesSorted } from '../../util/files.ts';

export interface FileIdentity {
  /** Path relative to the fingerprinted path ('' for a single file). */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Size and mtime of a file, or of every file under a folder (sorted), so any change is noticed without reading. */
export interface PathFingerprint {
  path: string; // absolute
  files: FileIdentity[];
}

export async function fingerprint(path: string): Promise<PathFingerprint> {
  if (!path) return { path: '', files: [] }; // e.g. no track features configured
  const abs = resolve(path);
  const info = await stat(abs);
  if (!info.isDirectory()) return { path: abs, files: [{ path: '', size: info.size, mtimeMs: info.mtimeMs }] };
  const files: FileIdentity[] = [];
  for (const file of await listFilesSorted(abs, (name) => /\.(csv|csv\.gz|tar|tar\.gz|tgz|parquet)$/.test(name))) {
    const s = await stat(file);
    files.push({ path: relative(abs, file).split(sep).join('/'), size: s.size, mtimeMs: s.mtimeMs });
  }
  return { path: abs, files };
}

/** What differs between two fingerprints, in words, or null when they match. */
export function fingerprintChange(what: string, was: PathFingerprint, now: PathFingerprint): string | null {
  if (was.path !== now.path) return `it was built from ${what} ${was.path}, not ${now.path}`;
  const before = new Map(was.files.map((f) => [f.path, f]));
  for (const f of now.files) {
    const old = before.get(f.path);
    const name = f.path ? `${now.path}/${f.path}` : now.path;
    if (!old) return `${what} file ${name} is new`;
    if (old.size !== f.size) return `${what} file ${name} changed size (${old.size} → ${f.size} bytes)`;
    if (old.mtimeMs !== f.mtimeMs) return `${what} file ${name} was modified (${new Date(old.mtimeMs).toISOString()} → ${new Date(f.mtimeMs).toISOString()})`;
    before.delete(f.path);
  }
  for (const f of before.values()) return `${what} file ${was.path}/${f.path} is gone`;
  return null;
}

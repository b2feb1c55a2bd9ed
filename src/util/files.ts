// A folder's files, recursively, in a stable order (sorted by name at every level) so that reading a folder of
// logs and fingerprinting it see the same sequence on every file system.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function listFilesSorted(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of entries) {
    const full = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await listFilesSorted(full, keep)));
    else if (d.isFile() && keep(d.name)) out.push(full);
  }
  return out;
}

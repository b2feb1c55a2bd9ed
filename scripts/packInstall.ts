// This checkout as a user gets it: `npm pack` (its prepack compiles dist/), then the tarball installed into an empty
// folder — `npm install --offline` from npm's local cache, else a plain install where the registry answers. Used
// by the startup bench and the packaging test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface InstalledCopy {
  /** The folder the package is installed in (its node_modules/.bin/skiptrain). */
  folder: string;
  bin: string;
  tarball: string;
  /** How the dependencies came: the local cache only, or the registry. */
  how: 'offline' | 'online';
}

const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });

/** Packs the checkout into `into` and installs the tarball there; the reason when neither install works. */
export function installPackedCopy(into: string): InstalledCopy | { skipped: string } {
  mkdirSync(into, { recursive: true });
  const pack = run('npm', ['pack', '--silent', '--pack-destination', into], root);
  if (pack.status !== 0) return { skipped: `npm pack failed: ${(pack.stderr || pack.stdout).trim().split('\n').pop()}` };
  const tarball = join(into, readdirSync(into).find((f) => f.endsWith('.tgz'))!);
  const folder = join(into, 'app');
  mkdirSync(folder);
  writeFileSync(join(folder, 'package.json'), '{ "name": "app", "private": true }\n');
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  for (const how of ['offline', 'online'] as const) {
    const r = run('npm', ['install', ...quiet, ...(how === 'offline' ? ['--offline'] : []), tarball], folder);
    if (r.status === 0) return { folder, bin: join(folder, 'node_modules', '.bin', 'skiptrain'), tarball, how };
    if (how === 'online') return { skipped: `npm install of the packed tarball failed offline and online: ${r.stderr.trim().split('\n').slice(-2).join(' ')}` };
  }
  return { skipped: 'unreachable' };
}

#!/usr/bin/env node
// Entry point. An installed package runs the compiled dist/. A checkout runs dist/ too while it is current, and the
// TypeScript sources through tsx as soon as any source is newer than the build, so an edit is never shadowed by a
// stale dist/ (`npm run build` compiles again; `npm install` does it through `prepare`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/cli.js`;
const stamp = `${root}dist/.built`;

/** The newest modification time of the .ts files under `dir` (0 when there are none, as in an installed package). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const current = existsSync(stamp) && (!existsSync(`${root}src`) || newestSource(`${root}src`) <= statSync(stamp).mtimeMs);
if (current) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}

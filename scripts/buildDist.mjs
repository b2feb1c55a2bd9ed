// `npm run build:ts`: compiles src/ to dist/ with tsc (tsconfig.build.json), then stamps the build, so that
// bin/skiptrain.js can tell a current dist/ from one older than the sources. dist/ is replaced, never patched:
// a module deleted from src/ must not live on there.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(`${dist}/.built`, `${new Date().toISOString()}\n`);

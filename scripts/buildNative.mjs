// Builds the native CPU backend (binding.gyp → build/Release/skiptrain.node) with node-gyp.
//   npm install / npm ci     run it as the package's install script: a failed build is a notice, not a failed
//                            install (backend auto then uses wasm and says why)
//   npm run build:native     rebuilds it and fails loudly (--strict)
// Plain JavaScript: it runs before anything else of the project is usable.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const output = join(root, 'build', 'Release', 'skiptrain.node');

/** npm hands its own node-gyp to scripts; else the one npm ships beside this Node, else one on PATH. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => c && existsSync(c));
  return found ? [process.execPath, found] : ['node-gyp'];
}

if (process.env.SKIPTRAIN_SKIP_NATIVE === '1' && !strict) {
  console.error('skiptrain: SKIPTRAIN_SKIP_NATIVE=1, not building the native backend (backend auto will use wasm)');
  process.exit(0);
}
const [command, ...prefix] = nodeGyp();
const started = Date.now();
const r = spawnSync(command, [...prefix, 'rebuild', '--release'], { cwd: root, stdio: strict ? 'inherit' : ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status === 0 && existsSync(output)) {
  console.error(`skiptrain: built the native backend (${output}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(0);
}
const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
if (strict) {
  console.error(`skiptrain: the native backend did not build (${why})`);
  process.exit(1);
}
// Leave no half-built addon behind for the loader to trip on.
rmSync(output, { force: true });
// The lines that say what failed: node-gyp's own bookkeeping (info, stack, versions, paths) left out.
const noise = /^gyp (info|http|WARN|ERR! (stack|System|command|cwd|node -v|node-gyp -v|\$npm|not ok))/;
const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`
  .split('\n')
  .filter((line) => line.trim() && !noise.test(line))
  .slice(-6)
  .join('\n  ');
console.error(
  `skiptrain: the native CPU backend could not be built (${why}); training uses the wasm backend instead.\n` +
    `  It needs a C compiler, make, python3 and Node's headers; run \`npm run build:native\` to see the whole log.\n  ${tail}`,
);

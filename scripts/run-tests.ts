// Runs uvu suites in one process and ends with the "N passed, N failed, N skipped" line CI reads: by default the unit
// tests (test/unit: fast, in-process) and then the end-to-end ones (test/e2e: the CLI, training runs, the GPU).
// Usage: node --import tsx scripts/run-tests.ts [folder] [filter]
//   folder: only the tests under it (e.g. test/unit, as `npm run test:unit` does); filter: a substring of the path.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { run } from 'uvu/run';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const TREES = ['test/unit', 'test/e2e'].map((dir) => resolve(dir));
const args = process.argv.slice(2);
const folder = args.length > 0 && existsSync(args[0]) && statSync(args[0]).isDirectory() ? args.shift()! : 'test';
const filter = args[0];
// Unit tests first (quick feedback), then end to end; a test file outside both trees still runs, last, with a warning.
const tree = (file: string) => {
  const i = TREES.findIndex((dir) => file.startsWith(dir + sep));
  return i < 0 ? TREES.length : i;
};
const files = findTests(resolve(folder))
  .filter((f) => !filter || f.includes(filter))
  .sort((a, b) => tree(a) - tree(b));
for (const file of files.filter((f) => tree(f) === TREES.length)) {
  console.error(`warning: ${relative(process.cwd(), file)} is outside test/unit and test/e2e; move it into one of them`);
}
let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

await run(files.map((file) => ({ name: relative(resolve('test'), file), file })));

// eslint-disable-next-line no-control-regex
const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const num = (label: string) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
const total = num('Total');
const passed = num('Passed');
const skipped = num('Skipped');
process.stdout.write = write;
// uvu's Total leaves skipped tests out.
console.log(`\n${passed} passed, ${total - passed} failed, ${skipped} skipped`);
if (total + skipped === 0) process.exitCode = 1;
// A test that leaves a thread, socket or timer open would keep this process alive until CI's time runs out: say
// what is still open, then exit. (Unref'd: when nothing is left open the process ends by itself, without it.)
setTimeout(() => {
  console.error(`warning: still open 5 s after the last test: ${process.getActiveResourcesInfo().join(', ')}; exiting`);
  process.exit();
}, 5000).unref();

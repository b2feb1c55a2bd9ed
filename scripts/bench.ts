// npm run bench [-- <pipeline|train|evaluate|cache|explore> [--json]]: speed and memory figures, each with its baseline measured in
// the same run. Without a name, runs every bench one after the other (each in its own process, so peak RSS is its own).
import { spawnSync } from 'node:child_process';

const benches: Record<string, string> = {
  pipeline: './bench/pipeline.ts',
  train: './bench/train.ts',
  evaluate: './bench/evaluate.ts',
  cache: './bench/cache.ts',
  explore: './bench/explore.ts',
};
const which = process.argv[2];
if (which === undefined || which.startsWith('--')) {
  for (const name of Object.keys(benches)) {
    console.error(`\n=== npm run bench -- ${name} ${process.argv.slice(2).join(' ')}`);
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/bench.ts', name, ...process.argv.slice(2)], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
} else if (!(which in benches)) {
  console.error(`usage: npm run bench [-- <${Object.keys(benches).join('|')}> [--json]]`);
  process.exit(2);
} else {
  await import(benches[which]);
}

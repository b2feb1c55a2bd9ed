// npm run bench -- <pipeline|train|cache> [--json]: speed and memory figures, each with its baseline from the same run.
const which = process.argv[2];
const benches: Record<string, string> = {
  pipeline: './bench/pipeline.ts',
  train: './bench/train.ts',
  cache: './bench/cache.ts',
};
if (!which || !(which in benches)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--json]`);
  process.exit(2);
}
await import(benches[which]);

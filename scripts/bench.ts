// npm run bench [-- <bench> [options]]: speed and memory figures, each beside its baseline measured in the same run.
// One command line, parsed as the CLI parses its own (yargs, strict): --help lists the benches and their flags; an
// unknown bench or flag is a usage error before any work. Without a bench, every bench runs one after the other,
// each in a process of its own (so peak RSS is its own).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { BACKEND_PREFERENCE } from '../src/config/schema.ts';

const json = (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'One JSON object (or JSON lines) for machines instead of tables' });
const ALL = ['pipeline', 'train', 'evaluate', 'cache', 'explore', 'startup'];

await yargs(hideBin(process.argv))
  .scriptName('npm run bench --')
  .usage('$0 [bench] [options]\n\nSpeed and memory, each figure beside its baseline measured in the same run. Without a bench, runs them all.')
  .command(
    'pipeline',
    'The log reader on a synthetic archive of ≥ 200 MB compressed, against plain gunzip of it (each stage in a process of its own)',
    (y) =>
      json(y)
        .option('quick', { type: 'boolean', default: false, describe: 'Only gunzip, the reader and its block stages' })
        .option('archive', { type: 'string', describe: 'A training_set archive to read instead of the generated one' })
        .option('sessions', { type: 'number', default: 450_000, describe: 'Sessions of the generated archive (made once into .cache/bench/)' })
        .option('peers', { type: 'boolean', default: false, describe: '`inspect` beside gunzip, DuckDB and pandas on the same .csv.gz files, and the ratios' })
        .option('folder', { type: 'string', describe: 'With --peers: a folder of .csv.gz logs instead of the generated one' })
        .option('peers-python', { type: 'string', describe: 'With --peers: the Python with duckdb and pandas (default SKIPTRAIN_PEERS_PYTHON, else python3)' })
        .option('rounds', { type: 'number', default: 1, describe: 'With --peers: times each tool runs (taking turns); the best round counts' }),
    async (a) => (await import('./bench/pipeline.ts')).runPipelineBench(a),
  )
  .command(
    'reader-parts',
    "Where the first pass's CPU goes: inflating, the range cutter, the parser, hand-offs, assembling and inspect's counting (over Session objects or over blocks), each in CPU-seconds per compressed MB, on one thread",
    (y) =>
      json(y)
        .option('folder', { type: 'string', describe: 'A folder of .csv.gz logs (default: the files of pipeline --peers)' })
        .option('files', { type: 'number', default: 2, describe: 'How many of its files (each inflated into memory first)' }),
    async (a) => (await import('./bench/readerParts.ts')).runReaderParts(a),
  )
  .command(
    'train',
    "The trainer's own step per backend, shape and thread count (each backend in a child process), micro-benchmarks on tfjs backends, and with --peers the same models in PyTorch and TensorFlow",
    (y) =>
      json(y)
        .option('quick', { type: 'boolean', default: false, describe: 'Shorter timing budgets' })
        .option('backend', { choices: BACKEND_PREFERENCE, describe: 'One backend only (default: every one, in auto order)' })
        .option('models', { type: 'string', describe: 'lstm, transformer or both, comma-separated (default both)' })
        .option('workers', { type: 'string', describe: 'Thread counts to measure, comma-separated (default 1, 2, … up to the cores)' })
        .option('trainer-only', { type: 'boolean', default: false, describe: "Only the trainer's step, no micro-benchmarks" })
        .option('batches', { type: 'string', describe: 'Batch sizes of the micro-benchmarks, comma-separated (default 64,512)' })
        .option('peers', { type: 'boolean', default: false, describe: 'Also PyTorch and TensorFlow at the same shapes, on 1 and 2 threads, and the ratios' })
        .option('peers-python', { type: 'string', describe: 'The Python with torch and tensorflow-cpu (default SKIPTRAIN_PEERS_PYTHON, else python3)' }),
    async (a) => (await import('./bench/train.ts')).runTrainBench(a),
  )
  .command(
    'evaluate',
    '`skiptrain evaluate` of each synth model on each backend, and the model alone, on a synthetic test day',
    (y) =>
      json(y)
        .option('sessions', { type: 'number', default: 30_000, describe: 'Sessions of the generated archive (five days; the test day holds a fifth)' })
        .option('backend', { type: 'string', default: 'native,wasm', describe: 'Backends, comma-separated' }),
    async (a) => (await import('./bench/evaluate.ts')).runEvaluateBench(a),
  )
  .command(
    'cache',
    'The binary session cache and the columnar reader on a synthetic archive of ≥ 500 MB compressed (each stage in a process of its own)',
    (y) =>
      json(y)
        .option('archive', { type: 'string', describe: 'A training_set archive instead of the largest one under .cache/bench/' })
        .option('tracks', { type: 'string', describe: "Its track features (default: track_features.tar.gz beside it)" })
        .option('sessions', { type: 'number', describe: 'Generate an archive of this many sessions' })
        .option('stages', { type: 'string', describe: 'Stages to run, comma-separated (default all)' }),
    async (a) => (await import('./bench/cache.ts')).runCacheBench(a),
  )
  .command(
    'explore',
    'The explore pass against the bare log reader, in the same process',
    (y) =>
      json(y)
        .option('sessions', { type: 'number', default: 40_000, describe: 'Sessions to generate when no --logs is given' })
        .option('logs', { type: 'string', describe: 'Logs to read instead (with --tracks)' })
        .option('tracks', { type: 'string', describe: 'Track features of --logs' }),
    async (a) => (await import('./bench/explore.ts')).runExploreBench(a),
  )
  .command(
    'startup',
    'Start-up time of `skiptrain --help` and `skiptrain train --help` as whole processes: from a packed and installed copy, and from the sources through tsx',
    (y) =>
      json(y)
        .option('runs', { type: 'number', default: 10, describe: 'Runs per command (the median is reported)' })
        .option('installed', { type: 'boolean', default: true, describe: 'Also pack and install this checkout (--no-installed: the sources only)' }),
    async (a) => (await import('./bench/startup.ts')).runStartupBench(a),
  )
  .command(
    '$0',
    false,
    (y) => json(y),
    (a) => {
      for (const name of ALL) {
        console.error(`\n=== npm run bench -- ${name}${a.json ? ' --json' : ''}`);
        const script = fileURLToPath(import.meta.url);
        const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, name, ...(a.json ? ['--json'] : [])], { stdio: 'inherit' });
        if (r.status !== 0) process.exit(r.status ?? 1);
      }
    },
  )
  .strict()
  .fail((msg, err) => {
    if (err) throw err;
    console.error(`error: ${msg}\nRun 'npm run bench -- --help' for the benches and their flags.`);
    process.exit(2);
  })
  .help()
  .wrap(Math.min(110, process.stdout.columns || 100))
  .parseAsync();

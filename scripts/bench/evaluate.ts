// npm run bench -- evaluate [--json] [--sessions N] [--backend native,wasm]
//
// Evaluation speed: `skiptrain evaluate` on a checkpoint of each shipped synth model (lstm-synth,
// transformer-synth), on each backend, one child process per row. The data is a synthetic archive of N sessions
// (default 30,000) over five days, generated once into .cache/bench/evaluate-<N>/; its checkpoints are one-step runs
// of the shipped configs (their weights are random, which changes nothing about speed). Every row scores the same
// test day (2018-07-19, about N/5 sessions), so the backends' figures are each other's baselines:
//   sessionsPerSec       the whole evaluation (reading and encoding the day twice, both views, every baseline, the
//                        model): what a user waits for, start-up excluded
//   modelSessionsPerSec  the model alone over the same batches, held in memory (both views: 2 passes a session)
// The threads are the checkpoint's train.workers (auto: the cores), as `evaluate` uses them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childArgv, isChild, runChild, startStage } from './common.ts';

export interface EvaluateBenchArgs {
  json: boolean;
  sessions: number;
  /** Comma-separated backends. */
  backend: string;
}
const script = fileURLToPath(import.meta.url);
const MODELS = ['lstm-synth', 'transformer-synth'];

interface EvaluateRow {
  step: 'evaluate';
  config: string;
  model: string;
  backend: string;
  sessions: number;
  seconds: number;
  sessionsPerSec: number;
  modelSeconds: number;
  modelSessionsPerSec: number;
}

/** The child: one config on one backend. */
async function measure(backend: string, run: string, config: string): Promise<EvaluateRow> {
  const [{ selectBackend }, { evaluateCheckpoint }, { loadEnsemble }, { evalBatches, loadDataContext }] = await Promise.all([
    import('../../src/models/backend.ts'),
    import('../../src/eval/evaluateCheckpoint.ts'),
    import('../../src/eval/ensemble.ts'),
    import('../../src/data/batch/batches.ts'),
  ]);
  const chosen = await selectBackend(backend as never, () => {});
  const quiet = () => {};
  const whole = startStage();
  const { summary } = await evaluateCheckpoint({ checkpoint: run, log: quiet });
  const { seconds } = whole();

  const ensemble = await loadEnsemble([run], quiet);
  try {
    const ctx = await loadDataContext(ensemble.config, { stats: ensemble.stats, log: quiet });
    const batches = [];
    for (const view of ['challenge', 'per-position'] as const) for await (const b of evalBatches(ctx, { view, split: 'test', maxSessions: 0 })) batches.push(b);
    const modelOnly = startStage();
    for (const b of batches) await ensemble.predict(b);
    const modelSeconds = modelOnly().seconds;
    const round = (x: number) => Math.round(x);
    return {
      step: 'evaluate',
      config,
      model: ensemble.config.model.type,
      backend: chosen.name,
      sessions: summary.sessions,
      seconds: Number(seconds.toFixed(3)),
      sessionsPerSec: round(summary.sessions / seconds),
      modelSeconds: Number(modelSeconds.toFixed(3)),
      modelSessionsPerSec: round(summary.sessions / modelSeconds),
    };
  } finally {
    await ensemble.dispose();
  }
}

/** The bench's archive, and a one-step run of `config` on it (both made once). */
async function checkpointOf(dir: string, config: string): Promise<string> {
  const runs = join(dir, 'runs');
  const experiment = join(runs, config);
  if (!existsSync(experiment)) {
    const { spawnSync } = await import('node:child_process');
    const args = ['bin/skiptrain.js', 'train', config, '--backend', 'wasm', '--train.workers', '1', '--train.maxSteps', '1', '--data.maxValSessions', '200'];
    args.push('--data.logs', join(dir, 'training_set.tar.gz'), '--data.tracks', join(dir, 'track_features.tar.gz'), '--checkpoints', runs, '--experiment', config);
    console.error(`making a checkpoint of ${config} (one step) in ${experiment}…`);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`training the ${config} checkpoint failed (exit ${r.status}):\n${r.stderr}`);
  }
  return join(experiment, readdirSync(experiment).sort().pop()!);
}

export async function runEvaluateBench(args: EvaluateBenchArgs): Promise<void> {
  const { sessions } = args;
  const backends = args.backend.split(',');
  const dir = join('.cache', 'bench', `evaluate-${sessions}`);
  if (!existsSync(join(dir, 'training_set.tar.gz'))) {
    const { writeSynth } = await import('../../src/data/synth/index.ts');
    console.error(`generating ${sessions.toLocaleString('en-US')} synthetic sessions into ${dir} (once)…`);
    await writeSynth({ out: dir, sessions, days: 5, seed: 7, tracks: 5000 });
  }
  const json = args.json;
  if (!json) console.log('evaluate on the test day of a synthetic archive (both views, every baseline); higher sessions/s is better');
  const rows: EvaluateRow[] = [];
  for (const config of MODELS) {
    const run = await checkpointOf(dir, config);
    for (const backend of backends) {
      const row = runChild<EvaluateRow>(script, 'measure', [backend, run, config]);
      rows.push(row);
      if (json) console.log(JSON.stringify(row));
      else
        console.log(
          `${row.backend.padEnd(8)} ${row.config.padEnd(18)} ${row.sessions} sessions: evaluate ${String(row.sessionsPerSec).padStart(7)} sessions/s (${row.seconds.toFixed(1)} s), the model alone ${String(row.modelSessionsPerSec).padStart(7)} sessions/s`,
        );
    }
    const [first, ...others] = rows.filter((r) => r.config === config);
    for (const r of others) {
      const ratio = { step: 'evaluate-ratio', config, backend: first.backend, against: r.backend, evaluate: Number((first.sessionsPerSec / r.sessionsPerSec).toFixed(2)), model: Number((first.modelSessionsPerSec / r.modelSessionsPerSec).toFixed(2)) };
      console.log(json ? JSON.stringify(ratio) : `ratio ${config}: ${first.backend} / ${r.backend} = ${ratio.evaluate}× (evaluate), ${ratio.model}× (the model alone)`);
    }
  }
}

if (isChild(import.meta.url)) {
  const [, backend, run, config] = childArgv();
  console.log(JSON.stringify(await measure(backend, run, config)));
}

// `skiptrain evaluate`: score a trained model (or an ensemble) and the baselines on the same test sessions; one table, and on
// request the numbers as JSON and an HTML report.
import type { CommandModule } from 'yargs';
import type { Backend } from '../config/schema.ts';
import { parseDays } from '../config/days.ts';
import { positiveIntegers } from './options.ts';
import { selectBackend } from '../models/backend.ts';
import { evaluateCheckpoint } from '../eval/evaluateCheckpoint.ts';
import { makeProgress } from '../util/progress.ts';
import { writeEvaluationReport, type ScalarSeries } from '../eval/report.ts';
import { formatSummaryTable } from '../eval/summary.ts';
import { readScalars } from '../train/tensorboard/reader.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

interface EvaluateArgs {
  checkpoint: string[];
  days?: string;
  logs?: string;
  tracks?: string;
  json?: string;
  report?: string;
  'max-sessions'?: number;
  'batch-size'?: number;
  seed: number;
  backend?: Backend;
}

const BACKENDS: Backend[] = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** Training curves for the report; a run without event files (or an unreadable one) just has none. */
async function trainingScalars(runDir: string | undefined, log: (s: string) => void): Promise<ScalarSeries> {
  if (!runDir) return new Map();
  try {
    return await readScalars(runDir, { onWarning: log });
  } catch (e) {
    log(`note: no training curves in the report (${(e as Error).message})`);
    return new Map();
  }
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: 'evaluate',
  describe:
    'Score a trained model and four baselines (random, majority, lastSkip, positionRate) on the same sessions: MAA and FPA ' +
    '(challenge protocol), accuracy, AUC and log loss (per-position protocol). Defaults to the run\'s test days (data.testDays; ' +
    'under a session-hash split its test share of sessions). Several --checkpoint values are scored as an ensemble (mean probability) and one by one.',
  builder: (y) =>
    y
      .option('checkpoint', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'A run folder (checkpoints/<experiment>/<run-id>, its latest checkpoint is used) or one checkpoint folder; repeat it to evaluate an ensemble',
      })
      .option('days', {
        type: 'string',
        describe: "Days to score instead of the test days: 2018-09-17,2018-09-18 or first..last (a session-hash run scores only its test sessions of those days)",
      })
      .option('logs', { type: 'string', describe: 'Score the sessions of another logs source (archive, folder or CSV)' })
      .option('tracks', { type: 'string', describe: 'Track features for --logs (default: the run\'s track features)' })
      .option('json', { type: 'string', describe: 'Also write every number as JSON to this file' })
      .option('report', { type: 'string', describe: 'Write a self-contained HTML report here (and metrics.json beside it)' })
      .option('max-sessions', { type: 'number', describe: 'Score at most this many sessions (default: all)' })
      .option('batch-size', { type: 'number', describe: 'Sessions per inference batch (default: max(256, train.batchSize))' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the random baseline' })
      .option('backend', { choices: BACKENDS, describe: 'TensorFlow.js backend (default: auto, the fastest available)' })
      .check(positiveIntegers('max-sessions', 'batch-size')),
  handler: async (args) => {
    const log = (line: string) => console.error(line);
    const days = args.days !== undefined ? parseDays(args.days, '--days') : undefined;
    await selectBackend(args.backend ?? 'auto', log);
    const progress = makeProgress();
    const { summary, checkpoint, ensemble, runDir } = await evaluateCheckpoint({
      checkpoint: args.checkpoint,
      days,
      logs: args.logs,
      tracks: args.tracks,
      maxSessions: args['max-sessions'],
      batchSize: args['batch-size'],
      seed: args.seed,
      log,
      onProgress: (p) => progress.update(`evaluating: ${p.sessions} sessions (${p.view} view)`),
    });
    progress.done();
    await ensemble.dispose();
    console.log(formatSummaryTable(summary));
    if (args.json) {
      await mkdir(dirname(args.json), { recursive: true });
      await writeFileAtomic(args.json, `${JSON.stringify(summary, null, 2)}\n`);
      log(`wrote ${args.json}`);
    }
    if (args.report) {
      const scalars = await trainingScalars(runDir, log);
      const n = ensemble.members.length;
      const title = n > 1 ? `Evaluation of an ensemble of ${n} ${checkpoint.config.experiment} models` : `Evaluation of ${checkpoint.config.experiment}`;
      const metricsPath = await writeEvaluationReport(args.report, summary, scalars, title);
      log(`wrote ${args.report} and ${metricsPath}`);
    }
  },
};

// `skiptrain evaluate`: score a trained model (or an ensemble) and the baselines on the same test sessions; one table, and on
// request the numbers as JSON and an HTML report.
import type { CommandModule } from 'yargs';
import type { Backend } from '../config/schema.ts';
import { parseDays } from '../config/days.ts';
import { backendOption, positiveIntegers } from './options.ts';
import { ProgressLine } from '../util/progress.ts';
import type { EvaluateOptions } from '../eval/evaluateCheckpoint.ts';
import type { ScalarSeries } from '../eval/report.ts';
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

/** Training curves for the report; a run without event files (or an unreadable one) just has none. */
async function trainingScalars(runDir: string | undefined, log: (s: string) => void): Promise<ScalarSeries> {
  if (!runDir) return new Map();
  try {
    return await readScalars(runDir, { onWarning: (message) => log(`warning: ${message}`) });
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
      .option('backend', backendOption)
      .check(positiveIntegers('max-sessions', 'batch-size')),
  handler: async (args) => {
    const log = (line: string) => console.error(line);
    const days = args.days !== undefined ? parseDays(args.days, '--days') : undefined;
    const { selectBackend } = await import('../models/backend.ts'); // here, not at the top: `--help` need not load TensorFlow.js
    await selectBackend(args.backend ?? 'auto', log);
    await runEvaluation(
      { ...args, days, maxSessions: args['max-sessions'], batchSize: args['batch-size'] },
      log,
    );
  },
};

export interface EvaluationRun extends Omit<EvaluateOptions, 'log' | 'onProgress'> {
  json?: string;
  report?: string;
  /** The report's title (default: "Evaluation of <experiment>"). */
  title?: string;
}

/** evaluate's flow once a backend is active (demo runs it too): score, print the table, write --json and --report. */
export async function runEvaluation(run: EvaluationRun, log: (line: string) => void): Promise<void> {
  const [{ evaluateCheckpoint }, { writeEvaluationReport }] = await Promise.all([import('../eval/evaluateCheckpoint.ts'), import('../eval/report.ts')]);
  const progress = new ProgressLine();
  const { summary, checkpoint, ensemble, runDir } = await evaluateCheckpoint({
    ...run,
    log,
    onProgress: (p) => progress.update(`evaluating: ${p.sessions} sessions (${p.view} view)`),
  });
  progress.done();
  console.log(formatSummaryTable(summary));
  if (run.json) {
    await mkdir(dirname(run.json), { recursive: true });
    await writeFileAtomic(run.json, `${JSON.stringify(summary, null, 2)}\n`);
    log(`wrote ${run.json}`);
  }
  if (run.report) {
    const scalars = await trainingScalars(runDir, log);
    const n = ensemble.members.length;
    const experiment = checkpoint.config.experiment;
    const title = run.title ?? (n > 1 ? `Evaluation of an ensemble of ${n} ${experiment} models` : `Evaluation of ${experiment}`);
    const metricsPath = await writeEvaluationReport(run.report, summary, scalars, title);
    log(`wrote ${run.report} and ${metricsPath}`);
  }
}

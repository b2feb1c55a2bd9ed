// `skiptrain evaluate`: a trained model (or an ensemble) and the baselines on the run's test days.
import type { CommandModule } from 'yargs';
import type { Backend } from '../config/schema.ts';
import { parseDays } from '../config/days.ts';
import { backendOption, positiveIntegers } from './options.ts';

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
    // Loaded here, not at the top: `--help` need not load TensorFlow.js or the evaluator.
    const [{ selectBackend }, { runEvaluation }] = await Promise.all([import('../models/backend.ts'), import('./evaluation.ts')]);
    await selectBackend(args.backend ?? 'auto', log);
    await runEvaluation(
      { ...args, days, maxSessions: args['max-sessions'], batchSize: args['batch-size'] },
      log,
    );
  },
};

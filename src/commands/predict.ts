// `skiptrain predict`: the challenge submission for a test set (log_prehistory_* + log_input_*), from a checkpoint.
import type { CommandModule } from 'yargs';
import type { Backend } from '../config/schema.ts';
import { backendOption, positiveIntegers } from './options.ts';
import { ProgressLine } from '../util/progress.ts';

interface PredictArgs {
  checkpoint: string[];
  prehistory: string[];
  input: string[];
  out: string;
  tracks?: string;
  'batch-size'?: number;
  backend?: Backend;
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe:
    'Write a challenge submission: for every test session (in the order of the sorted input files), one line of 0/1 ' +
    '(1 = skipped), one character per track of its second half. Streams the whole test set.',
  builder: (y) =>
    y
      .option('checkpoint', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'A run folder (its latest checkpoint) or one checkpoint folder; repeat it to predict with an ensemble (mean probability)',
      })
      .option('prehistory', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "The test set's first halves: files or quoted patterns, e.g. 'test_set/log_prehistory_*.csv'",
      })
      .option('input', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "The test set's second halves (tracks only): files or quoted patterns, e.g. 'test_set/log_input_*.csv'",
      })
      .option('out', { type: 'string', demandOption: true, describe: 'The submission file to write (written atomically)' })
      .option('tracks', { type: 'string', describe: "Track features covering the test tracks (default: the run's)" })
      .option('batch-size', { type: 'number', describe: 'Sessions per inference batch (default: max(256, train.batchSize))' })
      .option('backend', backendOption)
      .check(positiveIntegers('batch-size')),
  handler: async (args) => {
    const log = (line: string) => console.error(line);
    // Loaded here, not at the top: TensorFlow.js takes a moment to import and `--help` should not wait for it.
    const [{ selectBackend }, { predictSubmission }] = await Promise.all([import('../models/backend.ts'), import('../eval/predictSubmission.ts')]);
    await selectBackend(args.backend ?? 'auto', log);
    const progress = new ProgressLine();
    const { sessions, files } = await predictSubmission({
      checkpoint: args.checkpoint,
      prehistory: args.prehistory,
      input: args.input,
      out: args.out,
      tracks: args.tracks,
      batchSize: args['batch-size'],
      log,
      onProgress: (n) => progress.update(`predicting: ${n} sessions`),
    });
    progress.done();
    log(`wrote ${args.out}: ${sessions} sessions from ${files} input file${files === 1 ? '' : 's'}`);
  },
};

// `skiptrain synth`: write a synthetic MSSD copy (training_set.tar.gz, track_features.tar.gz, optional test_set/).
import type { CommandModule } from 'yargs';
import { ProgressLine } from '../util/progress.ts';
import { DEFAULTS } from '../config/schema.ts';

interface SynthArgs {
  out: string;
  sessions: number;
  days: number;
  seed: number;
  tracks: number;
  'start-date': string;
  'files-per-day': number;
  'test-set': boolean;
}

/** "synth: done/total sessions (rate/s)" as the writer reports progress. */
function progressPrinter(total: number): (done: number) => void {
  const line = new ProgressLine();
  const started = Date.now();
  return (done) => {
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    line.update(`synth: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} sessions (${Math.round(rate)}/s)`, done >= total);
    if (done >= total) line.done();
  };
}

export const synthCommand: CommandModule<object, SynthArgs> = {
  command: 'synth',
  describe:
    'Write a synthetic copy of the Spotify sessions dataset (same files, columns and spellings), calibrated to its ' +
    'published statistics, with learnable skip dynamics. Deterministic from --seed.',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'Folder to write training_set.tar.gz, track_features.tar.gz (and test_set/) into' })
      .option('sessions', { type: 'number', default: 20000, describe: 'Training sessions in total, spread over the days and files' })
      .option('days', { type: 'number', default: DEFAULTS.data.synth.days, describe: 'Number of log days (one group of log files per day)' })
      .option('seed', { type: 'number', default: DEFAULTS.data.synth.seed, describe: 'Random seed: the same seed writes identical bytes' })
      .option('tracks', { type: 'number', default: DEFAULTS.data.synth.tracks, describe: 'Tracks in the catalogue (track_features)' })
      .option('start-date', { type: 'string', default: DEFAULTS.data.synth.startDate, describe: 'First log day, YYYY-MM-DD' })
      .option('files-per-day', { type: 'number', default: 10, describe: 'Log files per day (log_<k>_<YYYYMMDD>_000000000000.csv, k = 0..K-1)' })
      .option('test-set', {
        type: 'boolean',
        default: false,
        describe:
          'Also write a challenge test set for the last day into <out>/test_set/ (log_prehistory, log_input and ' +
          'ground_truth files); its sessions are extra sessions, not copies of training sessions',
      }),
  handler: async (args) => {
    const opts = {
      out: args.out,
      sessions: args.sessions,
      days: args.days,
      seed: args.seed,
      tracks: args.tracks,
      startDate: args['start-date'],
      filesPerDay: args['files-per-day'],
      testSet: args['test-set'],
    };
    const { plannedSessions, writeSynth } = await import('../data/synth/index.ts'); // here: `--help` need not load the generator
    const result = await writeSynth({ ...opts, onProgress: progressPrinter(plannedSessions(opts)) });
    console.log(`wrote ${result.logs}`);
    console.log(`wrote ${result.tracks}`);
    if (result.testSet) for (const p of [...result.testSet.prehistory, ...result.testSet.input, ...result.testSet.truth]) console.log(`wrote ${p}`);
  },
};

// `skiptrain prepare`: one streaming pass over the training logs that writes FeatureStats (feature means/stds for
// normalisation, categorical counts, skip rate per position) as JSON, atomically.
import type { CommandModule } from 'yargs';
import type { DataConfig } from '../config/schema.ts';
import { UserError } from '../errors.ts';
import { computeFeatureStats, saveFeatureStats } from '../data/stats.ts';
import { loadTrackTable } from '../data/tracks.ts';
import { makeProgress } from '../util/progress.ts';

interface PrepareArgs {
  logs: string;
  tracks: string;
  out: string;
  days?: string[];
  'max-sessions': number;
  'date-format': DataConfig['dateFormat'];
  'bad-dates': DataConfig['badDates'];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const fmt = (n: number) => n.toLocaleString('en-US');

export const prepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare',
  describe: 'Compute feature statistics (means/stds, category counts, skip rate per position) in one pass over the logs',
  builder: (y) =>
    y
      .option('logs', { type: 'string', demandOption: true, describe: 'Training session logs: .tar.gz/.tgz archive, folder of CSVs, or a .csv/.csv.gz file' })
      .option('tracks', { type: 'string', demandOption: true, describe: 'Track features: archive, folder or file (tf_*.csv)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Where to write the statistics JSON (written atomically)' })
      .option('days', { type: 'string', array: true, describe: 'Only these log days (YYYY-MM-DD, space- or comma-separated); default: all' })
      .option('max-sessions', { type: 'number', default: 0, describe: 'Stop after this many sessions (0 = all)' })
      .option('date-format', {
        choices: ['auto', 'YYYY-MM-DD', 'DD-MM-YY', 'MM/DD/YYYY', 'DD/MM/YYYY'] as const,
        default: 'auto' as const,
        describe: 'Format of the date column (auto detects the dataset format and pandas re-saves)',
      })
      .option('bad-dates', {
        choices: ['error', 'skip-row', 'keep'] as const,
        default: 'skip-row' as const,
        describe: 'Rows dated outside 2018: drop them, keep them, or stop with an error',
      }),
  handler: async (args) => {
    const days = args.days?.flatMap((d) => String(d).split(',')).map((d) => d.trim()).filter(Boolean);
    const badDay = days?.find((d) => !DAY.test(d));
    if (badDay !== undefined) throw new UserError(`--days: '${badDay}' is not a YYYY-MM-DD date`);
    const maxSessions = args['max-sessions'];
    if (!Number.isInteger(maxSessions) || maxSessions < 0) throw new UserError(`--max-sessions must be a whole number ≥ 0, got ${maxSessions}`);
    const progress = makeProgress();
    const tracks = await loadTrackTable(args.tracks, (p) => progress.update(`loading tracks: ${fmt(p.tracks)}`));
    progress.done(`${fmt(tracks.ids.length)} tracks loaded`);
    const stats = await computeFeatureStats(args.logs, tracks, {
      days: days && days.length > 0 ? new Set(days) : undefined,
      maxSessions,
      dateFormat: args['date-format'],
      badDates: args['bad-dates'],
      onProgress: (p) => progress.update(`${p.file}: ${fmt(p.rows)} rows, ${fmt(p.sessions)} sessions, ${(p.compressedBytes / 1e6).toFixed(0)} MB read`),
    });
    progress.done();
    if (stats.sessions === 0) throw new UserError(`no sessions read from ${args.logs}${days ? ` for days ${days.join(', ')}` : ''}`);
    await saveFeatureStats(args.out, stats);
    console.error(`wrote ${args.out}: ${fmt(stats.sessions)} sessions, ${fmt(stats.rows)} rows`);
  },
};

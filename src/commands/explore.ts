// `skiptrain explore`: the dataset study (skip rates, transitions, feature memory, distributions, a PC dependency
// graph) in one streaming pass over the logs, written as a self-contained HTML report.
import type { CommandModule } from 'yargs';
import { parseDays } from '../config/days.ts';
import { parseShard } from '../data/source/shard.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_EXPLORE_OPTIONS } from '../explore/exploreOptions.ts';
import { shardOption } from './options.ts';

interface ExploreArgs {
  logs: string;
  tracks: string;
  out: string;
  json?: string;
  days?: string[];
  sample: number;
  'max-sample': number;
  top: number;
  alpha: number;
  'max-cond': number;
  seed: number;
  shard?: string;
}

/** Option checks yargs cannot express; the message names the option. Returns the --days list expanded. */
export function checkExploreArgs(a: ExploreArgs): { days?: string[] } {
  const fail = (option: string, what: string, value: unknown) => {
    throw new UserError(`--${option} must be ${what}, got ${String(value)}`);
  };
  if (!(a.sample > 0 && a.sample <= 1)) fail('sample', 'a fraction in (0, 1]', a.sample);
  if (!(Number.isInteger(a['max-sample']) && a['max-sample'] >= 1)) fail('max-sample', 'a positive integer', a['max-sample']);
  if (!(Number.isInteger(a.top) && a.top >= 1 && a.top <= 500)) fail('top', 'an integer from 1 to 500', a.top);
  if (!(a.alpha > 0 && a.alpha < 1)) fail('alpha', 'a significance level in (0, 1)', a.alpha);
  if (!(Number.isInteger(a['max-cond']) && a['max-cond'] >= 0)) fail('max-cond', 'a non-negative integer', a['max-cond']);
  if (!Number.isInteger(a.seed)) fail('seed', 'an integer', a.seed);
  return { days: a.days ? parseDays(a.days.map(String), '--days') : undefined };
}

export const exploreCommand: CommandModule<object, ExploreArgs> = {
  command: 'explore',
  describe:
    'Study the dataset in one streaming pass: skip rates by position/hour/weekday/date/context, transitions among the ' +
    'most played tracks, feature memory across consecutive tracks, feature distributions, and a PC dependency graph; ' +
    'writes a self-contained HTML report (and the numbers as JSON)',
  builder: (y) =>
    y
      .option('logs', { type: 'string', demandOption: true, describe: 'Session logs: .tar.gz archive, folder of CSVs, or one .csv/.csv.gz' })
      .option('tracks', { type: 'string', demandOption: true, describe: 'Track features: archive, folder or file' })
      .option('out', { type: 'string', demandOption: true, describe: 'Where to write the HTML report; with --shard, the shared folder for the partial result' })
      .option('json', { type: 'string', describe: 'Also write every number behind the report to this JSON file' })
      .option('days', { type: 'string', array: true, describe: 'Only these log days: YYYY-MM-DD, comma-separated, ranges first..last allowed; default: all' })
      .option('sample', {
        type: 'number',
        default: DEFAULT_EXPLORE_OPTIONS.sample,
        describe: 'Fraction of sessions sampled for the shuffled null, scatterplots and the PC graph',
      })
      .option('max-sample', {
        type: 'number',
        default: DEFAULT_EXPLORE_OPTIONS.maxSampleSessions,
        describe: 'Most sessions that sample may hold (bounds memory on the full archive)',
      })
      .option('top', { type: 'number', default: DEFAULT_EXPLORE_OPTIONS.top, describe: 'Size N of the N×N transition matrix (most played tracks)' })
      .option('alpha', { type: 'number', default: DEFAULT_EXPLORE_OPTIONS.alpha, describe: 'PC algorithm: significance level of each Fisher-z test' })
      .option('max-cond', { type: 'number', default: DEFAULT_EXPLORE_OPTIONS.maxCond, describe: 'PC algorithm: largest conditioning set' })
      .option('seed', { type: 'number', default: DEFAULT_EXPLORE_OPTIONS.seed, describe: 'Seed of the sample and the shuffled null' })
      .option('shard', shardOption)
      .example('$0 explore --logs data/training_set.tar.gz --tracks data/track_features.tar.gz --out explore.html --json explore.json', '')
      .example('$0 explore --logs data/training_set --tracks data/track_features --out parts/ --shard auto/8', 'then: $0 merge parts/ (writes parts/explore.html and parts/explore.json)')
      .strict() as never,
  handler: async (a) => {
    const { days } = checkExploreArgs(a);
    const shard = a.shard === undefined ? undefined : parseShard(String(a.shard));
    if (shard && a.json) throw new UserError('--json cannot be combined with --shard: skiptrain merge writes the numbers (explore.json) beside the report');
    const { runExplore, runExploreShard } = await import('../explore/runExplore.ts'); // here, not at the top: vega is slow to load
    const run = {
      logs: a.logs,
      tracks: a.tracks,
      out: a.out,
      json: a.json,
      days,
      options: {
        sample: a.sample,
        maxSampleSessions: a['max-sample'],
        top: a.top,
        alpha: a.alpha,
        maxCond: a['max-cond'],
        seed: a.seed,
      },
    };
    if (shard) await runExploreShard(run, shard);
    else await runExplore(run);
  },
};

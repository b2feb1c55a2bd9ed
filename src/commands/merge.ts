// `skiptrain merge DIR`: combine the partial results that `--shard I/N` workers left in DIR into what one pass would
// have written — the cache manifest (DIR/manifest.json), the feature statistics (DIR/stats.json or --out) and the
// inspect summary (printed, and DIR/inspect.json), the explore report (DIR/explore.html and DIR/explore.json).
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { formatSummary } from './inspect.ts';

interface MergeArgs {
  dir: string;
  out?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dir>',
  describe:
    'Combine the partial results of sharded runs (prepare, prepare --cache, inspect, explore with --shard I/N) in DIR into the result of ' +
    'one pass (explore: DIR/explore.html and DIR/explore.json)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'The shared output folder the workers wrote into' })
      .option('out', { type: 'string', describe: 'Where to write the merged feature statistics: a file, or a folder to write stats.json into (default DIR/stats.json)' })
      .example('$0 merge cache/', 'after prepare --cache cache/ --out cache/ --shard I/N ran for every I') as never,
  handler: async (a) => {
    // Loaded here, not at the top: `--help` need not load the readers.
    const [{ mergeCachePartials }, { partialKinds }, { saveFeatureStats, statsFileAt }, { mergeStatsPartials }, { mergeExplorePartials }, { mergeInspectPartials }] = await Promise.all([
      import('../data/cache/partialCache.ts'),
      import('../data/passes/partials.ts'),
      import('../data/passes/stats.ts'),
      import('../data/passes/statsMerge.ts'),
      import('../explore/exploreMerge.ts'),
      import('../data/passes/logSummary.ts'),
    ]);
    const kinds = await partialKinds(a.dir);
    if (kinds.length === 0) throw new UserError(`${a.dir}: no partial results (partial-*.json) to merge; run the workers with --shard I/N first`);
    if (kinds.includes('cache')) {
      const m = await mergeCachePartials(a.dir);
      console.error(`wrote ${join(a.dir, 'manifest.json')}: ${fmt(m.sessions)} sessions, ${fmt(m.rows)} rows in ${m.shards.length} shard file(s)`);
    }
    if (kinds.includes('inspect')) {
      const { logs, summary } = await mergeInspectPartials(a.dir);
      const path = join(a.dir, 'inspect.json');
      await writeFileAtomic(path, JSON.stringify(summary) + '\n');
      console.log(formatSummary(logs, summary));
      console.error(`wrote ${path}`);
    }
    if (kinds.includes('stats')) {
      const stats = await mergeStatsPartials(a.dir);
      const out = a.out ? await statsFileAt(a.out) : join(a.dir, 'stats.json');
      await saveFeatureStats(out, stats);
      console.error(`wrote ${out}: ${fmt(stats.sessions)} sessions, ${fmt(stats.rows)} rows`);
    }
    if (kinds.includes('explore')) {
      const { logs, result } = await mergeExplorePartials(a.dir);
      const html = join(a.dir, 'explore.html');
      const json = join(a.dir, 'explore.json');
      const { writeExploreReport } = await import('../explore/runExplore.ts'); // here, not at the top: vega is slow to load
      await writeExploreReport(result, logs, html, json);
      console.error(`wrote ${html} and ${json}: ${fmt(result.meta.sessions)} sessions, ${fmt(result.meta.rows)} rows`);
    }
  },
};

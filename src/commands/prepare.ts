// `skiptrain prepare`: one streaming pass over the training logs that writes FeatureStats (feature means/stds for
// normalisation, categorical counts, skip rate per position) as JSON, atomically; --out may name a file or a folder.
import type { CommandModule } from 'yargs';
import type { DataConfig } from '../config/schema.ts';
import { UserError } from '../errors.ts';
import { parseDays } from '../config/days.ts';
import { mkdir } from 'node:fs/promises';
import { parseShard, shardLabel } from '../data/source/shard.ts';
import { unknownCategoryWarnings } from '../data/format/unknownCategories.ts';
import type { CacheManifest } from '../data/cache/cache.ts';
import { ProgressLine } from '../util/progress.ts';
import { badDatesOption, dateFormatOption, shardOption } from './options.ts';

interface PrepareArgs {
  logs: string;
  tracks: string;
  out: string;
  days?: string[];
  'max-sessions': number;
  'date-format': DataConfig['dateFormat'];
  'bad-dates': DataConfig['badDates'];
  shard?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export const prepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare',
  describe: 'Compute feature statistics (means/stds, category counts, skip rate per position) in one pass over the logs',
  builder: (y) =>
    y
      .option('logs', { type: 'string', demandOption: true, describe: 'Training session logs: .tar.gz/.tgz archive, folder of CSVs, or a .csv/.csv.gz file' })
      .option('tracks', { type: 'string', demandOption: true, describe: 'Track features: archive, folder or file (tf_*.csv)' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Where to write the statistics JSON (written atomically): a file, or a folder to write stats.json into; with --shard, the shared folder for the partial statistics',
      })
      .option('days', { type: 'string', array: true, describe: 'Only these log days: YYYY-MM-DD, comma-separated, ranges first..last allowed; default: all' })
      .option('cache', {
        type: 'string',
        describe: 'Also write the binary session cache here (one shard per log file; later epochs read it instead of the CSV; set data.cache to the same folder)',
      })
      .option('max-sessions', { type: 'number', default: 0, describe: 'Stop after this many sessions (0 = all)' })
      .option('date-format', dateFormatOption)
      .option('bad-dates', badDatesOption('skip-row', 'Rows dated outside 2018: drop them, keep them, or stop with an error'))
      .option('shard', shardOption),
  handler: async (args) => {
    const days = args.days ? parseDays(args.days.map(String), '--days') : undefined;
    const maxSessions = args['max-sessions'];
    if (!Number.isInteger(maxSessions) || maxSessions < 0) throw new UserError(`--max-sessions must be a whole number ≥ 0, got ${maxSessions}`);
    const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
    if (shard && maxSessions > 0) throw new UserError('--max-sessions cannot be combined with --shard (each worker would stop at its own count)');
    const cacheDir = args.cache as string | undefined;
    // Loaded here, not at the top: `--help` need not load the readers.
    const [{ accumulateFeatureStats, finishFeatureStats, saveFeatureStats, statsFileAt }, { writeCachePartial }, { partialStamp, writePartial }, { loadTrackTable }, { newReadCounts }, { attachStats, ensureCache, readCachedSessions }] =
      await Promise.all([
        import('../data/passes/stats.ts'),
        import('../data/cache/partialCache.ts'),
        import('../data/passes/partials.ts'),
        import('../data/read/tracks.ts'),
        import('../data/read/readOptions.ts'),
        import('../data/cache/cache.ts'),
      ]);
    const out = shard ? args.out : await statsFileAt(args.out, cacheDir);
    const progress = new ProgressLine();
    const tracks = await loadTrackTable(args.tracks, (p) => progress.update(`loading tracks: ${fmt(p.tracks)}`));
    progress.done(`${fmt(tracks.ids.length)} tracks loaded`);
    const counts = newReadCounts(); // of the pass that parses the logs: the cache build, else the statistics
    const readOpts = { dateFormat: args['date-format'], badDates: args['bad-dates'], shard, counts, onNotice: (line: string) => progress.log(line) };
    const onProgress = (p: { file: string; rows: number; sessions: number; compressedBytes: number }) =>
      progress.update(`${p.file}: ${fmt(p.rows)} rows, ${fmt(p.sessions)} sessions, ${(p.compressedBytes / 1e6).toFixed(0)} MB read`);
    const daySet = days && days.length > 0 ? new Set(days) : undefined;
    let cache: { dir: string; manifest: CacheManifest } | undefined;
    if (cacheDir) {
      const manifest = await ensureCache(cacheDir, args.logs, tracks, { ...readOpts, tracksPath: args.tracks, onProgress, log: (s) => console.error(s) });
      progress.done(`cache ${cacheDir}: ${manifest.shards.length} shards`);
      cache = { dir: cacheDir, manifest };
    }
    const partial = await accumulateFeatureStats(args.logs, tracks, {
      sessions: cache ? readCachedSessions(cache.dir, cache.manifest, tracks, { days: daySet }) : undefined,
      days: daySet,
      maxSessions,
      ...readOpts,
      onProgress,
    });
    progress.done();
    for (const line of unknownCategoryWarnings(counts.unknownCategories)) console.error(line);
    if (shard) {
      // A worker leaves partials for `skiptrain merge`; one with no files of its own (N > files) leaves empty ones.
      const options = { dateFormat: args['date-format'], badDates: args['bad-dates'], days: days ?? null };
      await mkdir(args.out, { recursive: true });
      const path = await writePartial(args.out, await partialStamp('stats', args.logs, args.tracks, options, shard), partial);
      if (cache) await writeCachePartial(cache.dir, cache.manifest, shard, partial);
      console.error(`shard ${shardLabel(shard)}: wrote ${path}: ${fmt(partial.sessions)} sessions, ${fmt(partial.rows)} rows; run skiptrain merge once every shard is done`);
      return;
    }
    const stats = finishFeatureStats(partial);
    if (stats.sessions === 0) throw new UserError(`no sessions read from ${args.logs}${days ? ` for days ${days.join(', ')}` : ''}`);
    await saveFeatureStats(out, stats);
    if (cache) await attachStats(cache.dir, cache.manifest, stats);
    console.error(`wrote ${out}: ${fmt(stats.sessions)} sessions, ${fmt(stats.rows)} rows`);
  },
};

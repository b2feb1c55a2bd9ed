// `skiptrain explore` minus the command-line parsing: read the track table, stream the logs once through every
// analysis, and write the HTML report (and optionally the JSON numbers), each atomically — or, for one shard of a
// sharded run, the partial state that `skiptrain merge` combines with the other shards' into that report.
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readSessions } from '../data/read/logs.ts';
import { newReadCounts } from '../data/read/readOptions.ts';
import { mergeUnknownCategories } from '../data/format/unknownCategories.ts';
import { partialStamp, writePartial } from '../data/passes/partials.ts';
import { shardLabel, type ShardSpec } from '../data/source/shard.ts';
import { loadTrackTable } from '../data/read/tracks.ts';
import { DataError, UserError } from '../errors.ts';
import { buildHtmlReport } from '../report/html.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { ExploreAccumulator, type ExploreResult } from './explorePass.ts';
import { DEFAULT_EXPLORE_OPTIONS, type ExploreOptions } from './exploreOptions.ts';
import { ExploreProgress, sizeOnDisk } from './progress.ts';
import { exploreReportSections } from './report.ts';

export interface RunExploreArgs {
  logs: string;
  tracks: string;
  /** The HTML report; for a shard, the shared folder its partial goes into. */
  out: string;
  json?: string;
  /** Only sessions of these log days (YYYY-MM-DD). */
  days?: string[];
  options: Partial<ExploreOptions>;
  log?: (line: string) => void;
  /** Print progress (default: true). */
  progress?: boolean;
}

type Log = (line: string) => void;

/** Fail before the (possibly hours-long) pass, not after it: the logs must exist and the folders be creatable. */
async function checkPaths(logs: string, folders: readonly string[]): Promise<void> {
  await access(logs).catch(() => {
    throw new DataError('no such file or folder', logs);
  });
  for (const folder of folders) {
    try {
      await mkdir(folder, { recursive: true });
    } catch (e) {
      throw new UserError(`cannot create the folder '${folder}': ${(e as Error).message}`);
    }
  }
}

/** The streaming pass: every session of the logs (of `days`, of `shard`) into one accumulator. */
async function explorePass(args: Omit<RunExploreArgs, 'json'>, log: Log, shard?: ShardSpec): Promise<ExploreAccumulator> {
  log(`explore: loading track features from ${args.tracks}`);
  const tracks = await loadTrackTable(args.tracks);
  log(`explore: ${tracks.ids.length.toLocaleString('en')} tracks; streaming ${args.logs}${shard ? ` (shard ${shardLabel(shard)})` : ''}`);
  const acc = new ExploreAccumulator(tracks, args.options);
  const progress = args.progress === false ? null : new ExploreProgress(await sizeOnDisk(args.logs));
  let bytes = 0;
  let file: string | undefined;
  const counts = newReadCounts();
  const sessions = readSessions(args.logs, {
    days: args.days?.length ? new Set(args.days) : undefined,
    shard,
    counts,
    onNotice: (line) => (progress ? progress.log(line) : log(line)),
    onProgress: (p) => {
      bytes = p.compressedBytes;
      file = p.file;
    },
  });
  for await (const s of sessions) {
    acc.addSession(s);
    progress?.update({ bytes, sessions: acc.sessions, rows: acc.rows, file });
  }
  progress?.update({ bytes, sessions: acc.sessions, rows: acc.rows }, true);
  progress?.done();
  mergeUnknownCategories(acc.unknownCategories, counts.unknownCategories);
  return acc;
}

/** Writes the report of `result` (and its numbers as JSON), building everything before writing anything. */
export async function writeExploreReport(result: ExploreResult, source: string, out: string, json?: string): Promise<void> {
  const html = await buildHtmlReport(
    'skiptrain explore',
    exploreReportSections(result),
    `${source} · ${result.meta.sessions.toLocaleString('en')} sessions · ${result.meta.rows.toLocaleString('en')} plays`,
  );
  const numbers = json ? JSON.stringify(result, null, 1) + '\n' : undefined;
  await writeFileAtomic(out, html);
  if (json && numbers !== undefined) await writeFileAtomic(json, numbers);
}

export async function runExplore(args: RunExploreArgs): Promise<ExploreResult> {
  const log = args.log ?? ((s: string) => console.error(s));
  await checkPaths(args.logs, [args.out, args.json].filter((p): p is string => !!p).map((p) => dirname(p)));
  const acc = await explorePass(args, log);
  log('explore: sample analyses (shuffled null, scatterplots, PC) and report');
  const result = acc.finish();
  await writeExploreReport(result, args.logs, args.out, args.json);
  log(`explore: wrote ${args.out}${args.json ? ` and ${args.json}` : ''}`);
  return result;
}

/**
 * One worker of a sharded explore: the pass over this shard's log files, its state written atomically as
 * `args.out`/partial-explore-I-of-N.json. Returns that file's path.
 */
export async function runExploreShard(args: Omit<RunExploreArgs, 'json'>, shard: ShardSpec): Promise<string> {
  const log = args.log ?? ((s: string) => console.error(s));
  await checkPaths(args.logs, [args.out]);
  const acc = await explorePass(args, log, shard);
  // Every option that changes the result, so that the merge refuses shards run with other ones.
  const options = { days: args.days ?? null, ...DEFAULT_EXPLORE_OPTIONS, ...args.options };
  const path = await writePartial(args.out, await partialStamp('explore', args.logs, args.tracks, options, shard), acc.state());
  log(`explore: shard ${shardLabel(shard)}: wrote ${path}: ${acc.sessions.toLocaleString('en')} sessions, ${acc.rows.toLocaleString('en')} rows; run skiptrain merge once every shard is done`);
  return path;
}

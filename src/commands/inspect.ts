// `skiptrain inspect`: a first look at a log archive — files, rows, sessions, dates, tracks, skip rate — in one
// streaming pass.
import type { CommandModule } from 'yargs';
import type { DataConfig } from '../config/schema.ts';
import { readSessions, newReadCounts, type ReadProgress } from '../data/logs.ts';
import { loadTrackTable } from '../data/tracks.ts';
import { detach } from '../data/csv.ts';
import { makeProgress } from '../util/progress.ts';
import { badDatesOption, dateFormatOption, shardOption } from './options.ts';
import { mkdir } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import { partialStamp, writePartial } from '../data/partials.ts';
import { parseShard, shardLabel, type ShardSpec } from '../data/shard.ts';

export interface LogSummary {
  files: number;
  rows: number;
  sessions: number;
  /** Rows per value of the `date` column (normalised to YYYY-MM-DD), sorted by date. */
  dates: Record<string, number>;
  distinctTracks: number;
  /** Distinct track ids missing from the track table (null without a track table). */
  unknownTracks: number | null;
  /** Rows whose track is missing from the track table (null without a track table). */
  unknownTrackRows: number | null;
  skip2Rate: number;
  /** Sessions per session_length (1..20). */
  sessionLengths: Record<string, number>;
  compressedBytes: number;
}

export interface SummaryOptions {
  tracks?: string;
  dateFormat?: DataConfig['dateFormat'];
  /** Default 'keep': an inspection should show odd dates, not hide them. */
  badDates?: DataConfig['badDates'];
  onProgress?: (p: ReadProgress) => void;
  onTrackProgress?: (tracks: number) => void;
  /** Only this shard's log files (see data/shard.ts). */
  shard?: ShardSpec;
}

/**
 * Summary of every log in `logs`. Distinct tracks are counted in a Set of (detached) ids: bounded by the catalogue
 * (3.7 M ids ≈ 300 MB on the full data), not by the number of rows.
 */
export async function summarizeLogs(logs: string, opts: SummaryOptions = {}): Promise<LogSummary> {
  return finishLogSummary(await accumulateLogSummary(logs, opts));
}

/** The pass behind summarizeLogs, before its sets are counted: a partial that merges with other shards' (inspectMerge.ts). */
export async function accumulateLogSummary(logs: string, opts: SummaryOptions = {}): Promise<LogSummaryPartial> {
  const table = opts.tracks ? await loadTrackTable(opts.tracks, (p) => opts.onTrackProgress?.(p.tracks)) : null;
  const counts = newReadCounts();
  const dates = new Map<string, number>();
  const tracks = new Set<string>();
  const unknown = new Set<string>();
  const lengths = new Map<number, number>();
  let unknownRows = 0;
  let skips = 0;
  let rows = 0;
  for await (const s of readSessions(logs, {
    dateFormat: opts.dateFormat,
    badDates: opts.badDates ?? 'keep',
    counts,
    onProgress: opts.onProgress,
    shard: opts.shard,
  })) {
    lengths.set(s.length, (lengths.get(s.length) ?? 0) + 1);
    for (const row of s.rows) {
      rows++;
      dates.set(row.date, (dates.get(row.date) ?? 0) + 1);
      if (!tracks.has(row.trackId)) tracks.add(detach(row.trackId));
      if (row.skip2) skips++;
      if (table && !table.index.has(row.trackId)) {
        unknownRows++;
        if (!unknown.has(row.trackId)) unknown.add(detach(row.trackId));
      }
    }
  }
  const sortedKeys = <K,>(m: Map<K, number>) => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    files: counts.files,
    rows,
    sessions: counts.sessions,
    dates: Object.fromEntries(sortedKeys(dates)),
    trackIds: [...tracks].sort(),
    unknownTrackIds: table ? [...unknown].sort() : null,
    unknownTrackRows: table ? unknownRows : null,
    skips,
    sessionLengths: Object.fromEntries(sortedKeys(lengths).map(([k, v]) => [String(k), v])),
    compressedBytes: counts.compressedBytes,
  };
}

/**
 * What a shard's inspect pass leaves for `skiptrain merge`: counts, and the distinct track ids themselves (distinct
 * counts do not add up across shards; the ids do, as a union: ~80 MB of JSON for the full MSSD's 3.7 M tracks).
 */
export interface LogSummaryPartial extends Omit<LogSummary, 'distinctTracks' | 'unknownTracks' | 'skip2Rate'> {
  trackIds: string[];
  unknownTrackIds: string[] | null;
  skips: number;
}

export function finishLogSummary(p: LogSummaryPartial): LogSummary {
  return {
    files: p.files,
    rows: p.rows,
    sessions: p.sessions,
    dates: p.dates,
    distinctTracks: p.trackIds.length,
    unknownTracks: p.unknownTrackIds ? p.unknownTrackIds.length : null,
    unknownTrackRows: p.unknownTrackRows,
    skip2Rate: p.rows > 0 ? p.skips / p.rows : 0,
    sessionLengths: p.sessionLengths,
    compressedBytes: p.compressedBytes,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The summary as an aligned plain-text table. */
export function formatSummary(logs: string, s: LogSummary): string {
  const rows: [string, string][] = [
    ['source', logs],
    ['files', fmt(s.files)],
    ['size read', `${(s.compressedBytes / 1e6).toFixed(1)} MB`],
    ['rows', fmt(s.rows)],
    ['sessions', fmt(s.sessions)],
    ['rows per session', s.sessions > 0 ? (s.rows / s.sessions).toFixed(2) : '-'],
    ['distinct tracks', fmt(s.distinctTracks)],
  ];
  if (s.unknownTracks !== null) {
    rows.push(['unknown tracks', `${fmt(s.unknownTracks)} ids, ${fmt(s.unknownTrackRows ?? 0)} rows (not in the track table)`]);
  }
  rows.push(['skip_2 rate', `${(100 * s.skip2Rate).toFixed(2)} %`]);
  const w = Math.max(...rows.map((r) => r[0].length));
  const out = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
  const dates = Object.entries(s.dates);
  out.push('', `${'date'.padEnd(12)}${'rows'.padStart(14)}${'share'.padStart(9)}`);
  for (const [d, n] of dates) out.push(`${d.padEnd(12)}${fmt(n).padStart(14)}${`${((100 * n) / Math.max(1, s.rows)).toFixed(1)} %`.padStart(9)}`);
  out.push('', `${'length'.padEnd(12)}${'sessions'.padStart(14)}`);
  for (const [l, n] of Object.entries(s.sessionLengths)) out.push(`${l.padEnd(12)}${fmt(n).padStart(14)}`);
  return out.join('\n');
}

interface InspectArgs {
  logs: string;
  tracks?: string;
  json: boolean;
  'date-format': DataConfig['dateFormat'];
  'bad-dates': DataConfig['badDates'];
  shard?: string;
  out?: string;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect',
  describe: 'Summarise a session-log archive, folder or CSV: files, rows, sessions, dates, tracks, skip rate',
  builder: (y) =>
    y
      .option('logs', { type: 'string', demandOption: true, describe: 'Session logs: .tar.gz/.tgz archive, folder of CSVs, or a .csv/.csv.gz file' })
      .option('tracks', { type: 'string', describe: 'Track features (archive, folder or file): also count log tracks missing from it' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of a table' })
      .option('date-format', dateFormatOption)
      .option('bad-dates', badDatesOption('keep', 'Rows dated outside 2018: keep and count them, skip them, or stop with an error'))
      .option('shard', shardOption)
      .option('out', { type: 'string', describe: 'With --shard: the shared folder to write the partial summary into (for skiptrain merge)' }),
  handler: async (args) => {
    const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
    if (shard && !args.out) throw new UserError('--shard needs --out FOLDER: the shared folder the partial summaries go into');
    const progress = makeProgress();
    const partial = await accumulateLogSummary(args.logs, {
      tracks: args.tracks,
      dateFormat: args['date-format'],
      badDates: args['bad-dates'],
      onTrackProgress: (n) => progress.update(`loading tracks: ${fmt(n)}`),
      onProgress: (p) => progress.update(`${p.file}: ${fmt(p.rows)} rows, ${fmt(p.sessions)} sessions, ${(p.compressedBytes / 1e6).toFixed(0)} MB read`),
      shard,
    });
    progress.done();
    if (shard && args.out) {
      await mkdir(args.out, { recursive: true });
      const options = { dateFormat: args['date-format'], badDates: args['bad-dates'] };
      const path = await writePartial(args.out, await partialStamp('inspect', args.logs, args.tracks ?? '', options, shard), partial);
      console.error(`shard ${shardLabel(shard)}: wrote ${path}: ${fmt(partial.sessions)} sessions, ${fmt(partial.rows)} rows; run skiptrain merge once every shard is done`);
      return;
    }
    const summary = finishLogSummary(partial);
    console.log(args.json ? JSON.stringify(summary) : formatSummary(args.logs, summary));
  },
};

// What `inspect` reports about a logs source, in one streaming pass: files, rows, sessions, rows per date, session
// lengths, distinct and unknown tracks, categorical values outside their vocabulary, skip rate. A pass can be split
// over shards: each accumulates a partial, and the partials merge into the summary of one pass (counts add, distinct
// track ids are united).
import type { DataConfig } from '../format/dataConfig.ts';
import { blocksOf, readLogBlocks } from '../read/blockReader.ts';
import { newReadCounts, type ReadProgress } from '../read/readOptions.ts';
import { readPartials } from './partials.ts';
import type { ShardSpec } from '../source/shard.ts';
import { SummaryTally } from './summaryTally.ts';
import { loadTrackTable } from '../read/tracks.ts';
import { mergeUnknownCategories, newUnknownCategories, type UnknownCategories } from '../format/unknownCategories.ts';

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
  /** Rows per categorical column whose value is outside its vocabulary (read as "other"), with a few examples. */
  unknownCategories: UnknownCategories;
  compressedBytes: number;
}

export interface SummaryOptions {
  tracks?: string;
  dateFormat?: DataConfig['dateFormat'];
  /** Default 'keep': an inspection should show odd dates, not hide them. */
  badDates?: DataConfig['badDates'];
  onProgress?: (p: ReadProgress) => void;
  onNotice?: (line: string) => void;
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

/** The pass behind summarizeLogs, before its sets are counted: a partial that merges with other shards' (mergeLogSummaries below). */
export async function accumulateLogSummary(logs: string, opts: SummaryOptions = {}): Promise<LogSummaryPartial> {
  const table = opts.tracks ? await loadTrackTable(opts.tracks, (p) => opts.onTrackProgress?.(p.tracks)) : null;
  const counts = newReadCounts();
  const tally = new SummaryTally(table);
  for await (const block of blocksOf(
    readLogBlocks(logs, {
      dateFormat: opts.dateFormat,
      badDates: opts.badDates ?? 'keep',
      counts,
      onProgress: opts.onProgress,
      onNotice: opts.onNotice,
      shard: opts.shard,
    }),
  )) {
    tally.add(block);
  }
  const { dates, lengths, tracks, unknown } = tally;
  const sortedKeys = <K,>(m: Map<K, number>) => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    files: counts.files,
    rows: tally.rows,
    sessions: counts.sessions,
    dates: Object.fromEntries(sortedKeys(dates)),
    trackIds: [...tracks].sort(),
    unknownTrackIds: table ? [...unknown].sort() : null,
    unknownTrackRows: table ? tally.unknownRows : null,
    skips: tally.skips,
    sessionLengths: Object.fromEntries(sortedKeys(lengths).map(([k, v]) => [String(k), v])),
    unknownCategories: counts.unknownCategories,
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
    unknownCategories: p.unknownCategories,
    compressedBytes: p.compressedBytes,
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

const sortedRecord = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort((a, b) => (a[0] < b[0] ? -1 : 1)));

export function mergeLogSummaries(parts: readonly LogSummaryPartial[], singleFileSource: boolean): LogSummary {
  const dates: Record<string, number> = {};
  const lengths: Record<string, number> = {};
  const tracks = new Set<string>();
  const unknown = parts[0].unknownTrackIds ? new Set<string>() : null;
  let unknownRows: number | null = parts[0].unknownTrackRows === null ? null : 0;
  const unknownCategories = newUnknownCategories();
  for (const p of parts) {
    mergeUnknownCategories(unknownCategories, p.unknownCategories);
    addCounts(dates, p.dates);
    addCounts(lengths, p.sessionLengths);
    for (const id of p.trackIds) tracks.add(id);
    for (const id of p.unknownTrackIds ?? []) unknown?.add(id);
    if (unknownRows !== null) unknownRows += p.unknownTrackRows ?? 0;
  }
  const sum = (f: (p: LogSummaryPartial) => number) => parts.reduce((n, p) => n + f(p), 0);
  return finishLogSummary({
    files: sum((p) => p.files),
    rows: sum((p) => p.rows),
    sessions: sum((p) => p.sessions),
    dates: sortedRecord(dates),
    trackIds: [...tracks],
    unknownTrackIds: unknown ? [...unknown] : null,
    unknownTrackRows: unknownRows,
    skips: sum((p) => p.skips),
    sessionLengths: Object.fromEntries(Object.entries(lengths).sort((a, b) => Number(a[0]) - Number(b[0]))),
    unknownCategories,
    // Every worker streams all of a single archive (skipping other shards' members); a folder's files are read once.
    compressedBytes: singleFileSource ? Math.max(...parts.map((p) => p.compressedBytes)) : sum((p) => p.compressedBytes),
  });
}

export async function mergeInspectPartials(dir: string): Promise<{ logs: string; summary: LogSummary }> {
  const parts = await readPartials<LogSummaryPartial>(dir, 'inspect');
  const logs = parts[0].stamp.logs;
  const single = logs.files.length === 1 && logs.files[0].path === '';
  return { logs: logs.path, summary: mergeLogSummaries(parts.map((p) => p.result), single) };
}

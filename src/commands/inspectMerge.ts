// The inspect summaries of N shards as the summary of one pass: counts add, distinct track ids are united.
import { readPartials } from '../data/partials.ts';
import { finishLogSummary, type LogSummary, type LogSummaryPartial } from './inspect.ts';

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
  for (const p of parts) {
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

// `skiptrain explore` minus the command-line parsing: read the track table, stream the logs once through every
// analysis, and write the HTML report (and optionally the JSON numbers), each atomically.
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readSessions } from '../data/logs.ts';
import { loadTrackTable } from '../data/tracks.ts';
import { DataError, UserError } from '../errors.ts';
import { buildHtmlReport } from '../report/html.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { ExploreAccumulator, type ExploreOptions, type ExploreResult } from './explorePass.ts';
import { ExploreProgress, sizeOnDisk } from './progress.ts';
import { exploreReportSections } from './report.ts';

export interface RunExploreArgs {
  logs: string;
  tracks: string;
  out: string;
  json?: string;
  /** Only sessions of these log days (YYYY-MM-DD). */
  days?: string[];
  options: Partial<ExploreOptions>;
  log?: (line: string) => void;
  /** Print progress (default: true). */
  progress?: boolean;
}

export async function runExplore(args: RunExploreArgs): Promise<ExploreResult> {
  const log = args.log ?? ((s: string) => console.error(s));
  // Fail before the (possibly hours-long) pass, not after it: the logs must exist and the output folders be creatable.
  await access(args.logs).catch(() => {
    throw new DataError('no such file or folder', args.logs);
  });
  for (const out of [args.out, args.json]) {
    if (!out) continue;
    try {
      await mkdir(dirname(out), { recursive: true });
    } catch (e) {
      throw new UserError(`cannot create the folder for '${out}': ${(e as Error).message}`);
    }
  }
  log(`explore: loading track features from ${args.tracks}`);
  const tracks = await loadTrackTable(args.tracks);
  log(`explore: ${tracks.ids.length.toLocaleString('en')} tracks; streaming ${args.logs}`);

  const acc = new ExploreAccumulator(tracks, args.options);
  const progress = args.progress === false ? null : new ExploreProgress(await sizeOnDisk(args.logs));
  let bytes = 0;
  let file: string | undefined;
  const sessions = readSessions(args.logs, {
    days: args.days?.length ? new Set(args.days) : undefined,
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

  log('explore: sample analyses (shuffled null, scatterplots, PC) and report');
  const result = acc.finish();
  // Build everything before writing anything, so a failure leaves no half-made outputs behind.
  const html = await buildHtmlReport(
    'skiptrain explore',
    exploreReportSections(result),
    `${args.logs} · ${result.meta.sessions.toLocaleString('en')} sessions · ${result.meta.rows.toLocaleString('en')} plays`,
  );
  const json = args.json ? JSON.stringify(result, null, 1) + '\n' : undefined;
  await writeFileAtomic(args.out, html);
  if (args.json && json !== undefined) await writeFileAtomic(args.json, json);
  log(`explore: wrote ${args.out}${args.json ? ` and ${args.json}` : ''}`);
  return result;
}

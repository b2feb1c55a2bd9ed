// `skiptrain inspect`: a first look at a log archive — files, rows, sessions, dates, tracks, categorical values
// outside their vocabulary, skip rate — in one streaming pass.
import type { CommandModule } from 'yargs';
import type { DataConfig } from '../config/schema.ts';
import type { LogSummary } from '../data/passes/logSummary.ts';
import type { ReadProgress } from '../data/read/readOptions.ts';
import { describeUnknownCategories } from '../data/format/unknownCategories.ts';
import { ProgressLine } from '../util/progress.ts';
import { badDatesOption, dateFormatOption, shardOption } from './options.ts';
import { mkdir } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import { parseShard, shardLabel } from '../data/source/shard.ts';

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
  const unknownCategories = describeUnknownCategories(s.unknownCategories);
  if (unknownCategories.length === 0) rows.push(['unknown categories', 'none']);
  for (const { column, text } of unknownCategories) rows.push([`unknown ${column}`, `${text}: read as "other"`]);
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
  describe:
    'Summarise a session-log archive, folder or CSV: files, rows, sessions, dates, tracks, categorical values outside ' +
    'their vocabulary (rows per column, a few examples), skip rate',
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
    // Loaded here, not at the top: `--help` need not load the readers.
    const [{ accumulateLogSummary, finishLogSummary }, { partialStamp, writePartial }] = await Promise.all([import('../data/passes/logSummary.ts'), import('../data/passes/partials.ts')]);
    const progress = new ProgressLine();
    const readLine = (p: ReadProgress) => `${p.file}: ${fmt(p.rows)} rows, ${fmt(p.sessions)} sessions, ${(p.compressedBytes / 1e6).toFixed(0)} MB read`;
    let lastLine = '';
    const partial = await accumulateLogSummary(args.logs, {
      tracks: args.tracks,
      dateFormat: args['date-format'],
      badDates: args['bad-dates'],
      onTrackProgress: (n) => progress.update(`loading tracks: ${fmt(n)}`),
      onProgress: (p) => progress.update((lastLine = readLine(p))),
      onNotice: (line) => progress.log(line),
      shard,
    });
    progress.update(lastLine, true); // the totals, whatever the redraw interval held back
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

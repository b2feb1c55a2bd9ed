// `skiptrain export --parquet DIR`: the sessions of any source skiptrain reads (archive, folder of CSVs or Parquet
// files, one file) as Parquet, partitioned by log day, for Spark, DuckDB, pandas/pyarrow.
import type { CommandModule } from 'yargs';
import type { DataConfig } from '../config/schema.ts';
import { parseDays } from '../config/days.ts';
import { UserError } from '../errors.ts';
import { ProgressLine } from '../util/progress.ts';
import { badDatesOption, dateFormatOption } from './options.ts';

interface ExportArgs {
  logs: string;
  parquet: string;
  days?: string[];
  'date-format': DataConfig['dateFormat'];
  'bad-dates': DataConfig['badDates'];
}

const fmt = (n: number) => n.toLocaleString('en-US');

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Write the sessions as Parquet (the dataset\'s columns, one row per play) into DIR/day=YYYY-MM-DD/part-NNNNN.parquet',
  builder: (y) =>
    y
      .option('logs', { type: 'string', demandOption: true, describe: 'Session logs: .tar.gz archive, folder of CSV or Parquet files, or one file' })
      .option('parquet', { type: 'string', demandOption: true, describe: 'Folder to create (must not exist or be empty; written via a temporary folder, renamed at the end)' })
      .option('days', { type: 'string', array: true, describe: 'Only these log days: YYYY-MM-DD, comma-separated, ranges first..last allowed; default: all' })
      .option('date-format', dateFormatOption)
      .option('bad-dates', badDatesOption('keep', 'Rows dated outside 2018: keep them (an export copies), skip them, or stop with an error'))
      .example('$0 export --logs data/training_set.tar.gz --parquet mssd-parquet/', '') as never,
  handler: async (a) => {
    const days = a.days ? parseDays(a.days.map(String), '--days') : undefined;
    // Loaded here, not at the top: `--help` need not load the readers.
    const [{ readSessions }, { exportParquet }] = await Promise.all([import('../data/read/logs.ts'), import('../data/export/exportParquet.ts')]);
    const progress = new ProgressLine();
    const sessions = readSessions(a.logs, {
      dateFormat: a['date-format'],
      badDates: a['bad-dates'],
      days: days?.length ? new Set(days) : undefined,
      onProgress: (p) => progress.update(`${p.file}: ${fmt(p.rows)} rows, ${fmt(p.sessions)} sessions`),
      onNotice: (line) => progress.log(line),
    });
    const r = await exportParquet(sessions, a.parquet);
    progress.done();
    if (r.sessions === 0) throw new UserError(`no sessions read from ${a.logs}; nothing exported`);
    console.error(`wrote ${a.parquet}: ${fmt(r.sessions)} sessions, ${fmt(r.rows)} rows in ${r.files} Parquet file(s)`);
  },
};

// Sessions → Parquet, partitioned by log day: OUT/day=YYYY-MM-DD/part-NNNNN.parquet, one part per log file read,
// rows in the order read (sessions whole and in position order, as the readers need them back). The partition is
// the session's log day, not the row's `date`: real sessions cross midnight (a 2018-07-15 log holds rows dated
// 07-14), so partitioning by `date` would split sessions; each row keeps its own `date` column instead. The export
// is written into a temp folder renamed into place at the end, with the CRC-32C of every part (exportChecksums.ts).
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { UserError } from '../../errors.ts';
import { fileError, withNote } from '../../util/failures.ts';
import { isProcessRunning } from '../../util/processes.ts';
import { writeExportChecksums } from '../format/exportChecksums.ts';
import { CONTEXT_TYPES, LOG_COLUMNS, REASONS_END, REASONS_START, vocabWord, type LogColumn } from '../format/columns.ts';
import type { Session } from '../format/types.ts';
import { SESSION_SCHEMA } from './sessionColumns.ts';

/** Rows per row group: large enough for good compression, small enough that a reader holds one comfortably. */
const ROW_GROUP_ROWS = 100_000;
const DAY_MS = 86_400_000;

export interface ExportResult {
  files: number;
  sessions: number;
  rows: number;
}

const fileOf = (source: string) => source.replace(/:\d+$/, '');
const epochDay = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;

/** One part file being written (at `tmpPath`, to be `path` once the export is renamed into place): the columns of the rows not yet in a row group. */
class Part {
  private readonly writer: ParquetWriter;
  private columns = emptyColumns();
  private buffered = 0;

  constructor(
    readonly tmpPath: string,
    readonly path: string,
  ) {
    this.writer = this.writing(() => new ParquetWriter({ writer: fileWriter(tmpPath), schema: SESSION_SCHEMA, createdBy: 'skiptrain' }));
  }

  /** The writer's failures (a full disk) name the part where the user will look for it. */
  private writing<T>(work: () => T): T {
    try {
      return work();
    } catch (e) {
      throw fileError(e, 'write', this.path);
    }
  }

  add(s: Session): void {
    const c = this.columns;
    for (const r of s.rows) {
      c.session_id.push(s.id);
      c.session_position.push(r.position);
      c.session_length.push(s.length);
      c.track_id_clean.push(r.trackId);
      c.skip_1.push(r.skip1);
      c.skip_2.push(r.skip2);
      c.skip_3.push(r.skip3);
      c.not_skipped.push(r.notSkipped);
      c.context_switch.push(r.contextSwitch);
      c.no_pause_before_play.push(r.noPause);
      c.short_pause_before_play.push(r.shortPause);
      c.long_pause_before_play.push(r.longPause);
      c.hist_user_behavior_n_seekfwd.push(r.seekFwd);
      c.hist_user_behavior_n_seekback.push(r.seekBack);
      c.hist_user_behavior_is_shuffle.push(r.shuffle);
      c.hour_of_day.push(r.hour);
      c.date.push(epochDay(r.date));
      c.premium.push(r.premium);
      c.context_type.push(vocabWord(CONTEXT_TYPES, r.contextType));
      c.hist_user_behavior_reason_start.push(vocabWord(REASONS_START, r.reasonStart));
      c.hist_user_behavior_reason_end.push(vocabWord(REASONS_END, r.reasonEnd));
    }
    this.buffered += s.rows.length;
    if (this.buffered >= ROW_GROUP_ROWS) this.flush();
  }

  private flush(): void {
    if (this.buffered === 0) return;
    const c = this.columns;
    this.writing(() => this.writer.write({ columnData: LOG_COLUMNS.map((name) => ({ name, data: c[name] })), rowGroupSize: this.buffered }));
    this.columns = emptyColumns();
    this.buffered = 0;
  }

  finish(): void {
    this.flush();
    this.writing(() => this.writer.finish());
  }
}

function emptyColumns(): Record<LogColumn, (string | number | boolean)[]> {
  return Object.fromEntries(LOG_COLUMNS.map((c) => [c, []])) as unknown as Record<LogColumn, (string | number | boolean)[]>;
}

/** Temp folders of exports into `out` whose process is gone (killed mid-export): nothing else would remove them. */
async function removeAbandonedExports(out: string): Promise<void> {
  const prefix = `.${basename(out)}.`;
  for (const name of await readdir(dirname(out)).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? name.slice(prefix.length, -'.tmp'.length) : '';
    if (/^\d+$/.test(pid) && !isProcessRunning(Number(pid))) await rm(join(dirname(out), name), { recursive: true, force: true });
  }
}

/**
 * Writes `sessions` under `out` (which must not exist or be empty). Everything goes into a temporary sibling folder
 * first, renamed to `out` at the end: an interrupted export leaves no half-made dataset behind (and a killed one's
 * temp folder is removed by the next export into `out`).
 */
export async function exportParquet(sessions: AsyncIterable<Session>, out: string): Promise<ExportResult> {
  const existing = await readdir(out).catch(() => null);
  if (existing && existing.length > 0) throw new UserError(`${out} already exists and is not empty; export writes a new folder (remove it first)`);
  await removeAbandonedExports(out);
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const result: ExportResult = { files: 0, sessions: 0, rows: 0 };
  const parts: string[] = [];
  let part: Part | null = null;
  let key = '';
  try {
    for await (const s of sessions) {
      const k = `${s.day}\n${fileOf(s.source)}`;
      if (part === null || k !== key) {
        part?.finish();
        const dir = `day=${s.day}`;
        const file = join(dir, `part-${String(result.files).padStart(5, '0')}.parquet`);
        await mkdir(join(tmp, dir), { recursive: true });
        part = new Part(join(tmp, file), join(out, file));
        parts.push(part.tmpPath);
        result.files++;
        key = k;
      }
      part.add(s);
      result.sessions++;
      result.rows += s.rows.length;
    }
    part?.finish();
    await writeExportChecksums(tmp, out, parts);
    if (existing) await rm(out, { recursive: true });
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw withNote(e, `nothing was exported to ${out} (the partial files were removed)`);
  }
  return result;
}

// A Parquet file of sessions (the dataset's columns, as `skiptrain export --parquet` or Spark/DuckDB write them) read
// as one more kind of log entry: its rows are rendered as CSV lines in the dataset's own spelling, so every reader
// after archive.ts (grouping, checks, fast parser, cache, shards) treats it exactly like a log file, and a message's
// line N is the file's row N − 1 (line 1 being the header). A file without a `date` column takes it from a
// `date=YYYY-MM-DD` folder in its path, as Spark's partitionBy("date") leaves it. A part file of a skiptrain export
// is checked against the export's checksums first (exportChecksums.ts).
import { stat } from 'node:fs/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet';
import { DataError } from '../../errors.ts';
import { LOG_COLUMNS } from '../format/columns.ts';
import type { TextEntry } from './textEntry.ts';
import { checkExportedPart } from '../format/exportChecksums.ts';

export function isParquetName(name: string): boolean {
  return name.endsWith('.parquet');
}

/** Rows rendered per chunk of CSV text. */
const CHUNK_ROWS = 8192;

/** Dates repeat row after row: each distinct day is formatted once. */
const dayText = new Map<number, string>();

function field(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    return v.includes(',') || v.includes('"') || v.includes('\n') || v.includes('\r') ? `"${v.replace(/"/g, '""')}"` : v;
  }
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const ms = v.getTime();
    let text = dayText.get(ms);
    if (text === undefined) dayText.set(ms, (text = v.toISOString().slice(0, 10)));
    return text;
  }
  return field(String(v));
}

/** More rows than a row group of any writer holds (the export's hold 100 k): a damaged count. */
const MAX_GROUP_ROWS = 1 << 30;

const partitionDate = (path: string) => /(?:^|\/)date=(\d{4}-\d{2}-\d{2})(?:\/|$)/.exec(path)?.[1] ?? null;

export async function parquetEntry(file: string, path: string, label: string): Promise<TextEntry> {
  const size = (await stat(file)).size;
  let read = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    await checkExportedPart(file, label);
    let buffer;
    let meta: FileMetaData;
    try {
      buffer = await asyncBufferFromFile(file);
      meta = await parquetMetadataAsync(buffer);
    } catch (e) {
      throw new DataError(`not a readable Parquet file (${(e as Error).message})`, label);
    }
    const present = new Set(meta.schema.slice(1).map((s) => s.name));
    const fromPath = present.has('date') ? null : partitionDate(path);
    const columns = LOG_COLUMNS.filter((c) => !(c === 'date' && fromPath));
    const missing = columns.filter((c) => !present.has(c));
    if (missing.length > 0) {
      throw new DataError(`Parquet file lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it needs the dataset's columns${fromPath === null && missing.includes('date') ? '; date may also come from a date=YYYY-MM-DD folder' : ''})`, label);
    }
    const at = LOG_COLUMNS.map((c) => columns.indexOf(c)); // -1: the date from the path
    yield Buffer.from(LOG_COLUMNS.join(',') + '\n');
    // The row counts come from the file: a damaged one is an error that names the file, not an allocation that fails.
    const groupRows = meta.row_groups.map((g) => Number(g.num_rows));
    if (groupRows.some((n) => !Number.isSafeInteger(n) || n < 0 || n > MAX_GROUP_ROWS) || groupRows.reduce((a, b) => a + b, 0) !== Number(meta.num_rows)) {
      throw new DataError(`damaged Parquet metadata: row groups of ${groupRows.join(', ')} rows for a file of ${meta.num_rows}`, label);
    }
    let rowStart = 0;
    for (const group of meta.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      // Columns as hyparquet decodes them (one array per column, no per-row objects): far less garbage than rows.
      const n = rowEnd - rowStart;
      const cols = columns.map(() => new Array<unknown>(n));
      try {
        await parquetRead({
          file: buffer,
          metadata: meta,
          columns,
          rowStart,
          rowEnd,
          onChunk: (c) => {
            const col = cols[columns.indexOf(c.columnName as (typeof columns)[number])];
            const data = c.columnData as ArrayLike<unknown>;
            for (let i = 0, r = c.rowStart - rowStart; i < data.length; i++, r++) if (r >= 0 && r < n) col[r] = data[i];
          },
        });
      } catch (e) {
        throw new DataError(`cannot decode rows ${rowStart + 1}..${rowEnd} (${(e as Error).message})`, label);
      }
      const byField = at.map((j) => (j < 0 ? null : cols[j]));
      for (let i = 0; i < n; i += CHUNK_ROWS) {
        const lines: string[] = [];
        const end = Math.min(n, i + CHUNK_ROWS);
        for (let r = i; r < end; r++) {
          let line = '';
          for (let k = 0; k < byField.length; k++) {
            const col = byField[k];
            line += (k > 0 ? ',' : '') + (col === null ? fromPath! : field(col[r]));
          }
          lines.push(line);
        }
        yield Buffer.from(lines.join('\n') + '\n');
      }
      read += group.columns.reduce((n, c) => n + Number(c.meta_data?.total_compressed_size ?? 0), 0);
      rowStart = rowEnd;
    }
  }
  return { path, label, bytes: bytes(), sourceBytesRead: () => read, sourceSize: size };
}

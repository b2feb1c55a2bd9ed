// The row reader the columnar one replaced (one LogRow per row, one string per field), kept as the oracle of the
// equality tests: same sessions, same counts, same errors (file, tar entry, line). Not used by the program.
import { DEFAULTS } from '../../src/config/schema.ts';
import { DataError } from '../../src/errors.ts';
import { openEntries } from '../../src/data/source/archive.ts';
import type { TextEntry } from '../../src/data/source/textEntry.ts';
import { CATEGORICAL_COLUMNS, LOG_COLUMNS } from '../../src/data/format/columns.ts';
import { detach, headerPositions, isExactHeader, readLineChunks, splitFields } from '../../src/data/source/csv.ts';
import { DEFAULT_DATE_RANGE, dayFromFileName, inDateRange } from '../../src/data/format/dates.ts';
import { at, DateCache, parseRowText } from '../../src/data/read/logrow.ts';
import { newReadCounts, type ReadCounts, type ReadLogOptions } from '../../src/data/read/readOptions.ts';
import { resolveTrack } from '../../src/data/read/tracks.ts';
import type { LogRow, Session } from '../../src/data/format/types.ts';
import { addUnknownExample, unknownCategoryRefusal } from '../../src/data/format/unknownCategories.ts';

/** Sessions of every log file in `source`, as the old reader produced them. */
export async function* referenceSessions(source: string, opts: ReadLogOptions = {}): AsyncGenerator<Session> {
  const days = opts.days;
  const accept = days
    ? (path: string) => {
        const day = dayFromFileName(path);
        return day === null || days.has(day);
      }
    : undefined;
  const counts = opts.counts ?? newReadCounts();
  let bytesBefore = 0;
  let lastReader: (() => number) | null = null;
  for await (const entry of openEntries(source, accept)) {
    if (lastReader && lastReader !== entry.sourceBytesRead) bytesBefore += lastReader();
    lastReader = entry.sourceBytesRead;
    counts.files++;
    yield* referenceEntrySessions(entry, opts, counts, () => bytesBefore + entry.sourceBytesRead());
  }
  if (lastReader) counts.compressedBytes = bytesBefore + lastReader();
}

interface OpenSession {
  id: string;
  length: number;
  lastPosition: number;
  rows: LogRow[];
  source: string;
}

/** The sessions of one log file, row by row. */
export async function* referenceEntrySessions(
  entry: TextEntry,
  opts: ReadLogOptions,
  counts: ReadCounts = newReadCounts(),
  bytesRead: () => number = entry.sourceBytesRead,
): AsyncGenerator<Session> {
  const dates = new DateCache(opts.dateFormat ?? 'auto');
  let lastCheckedDate = ''; // dates repeat row after row: check the range once per change
  const badDates = opts.badDates ?? DEFAULTS.data.badDates;
  const range = opts.dateRange ?? DEFAULT_DATE_RANGE;
  const fileDay = dayFromFileName(entry.path);
  const unknownPolicy = opts.unknownTracks ?? 'error';
  const categoryPolicy = opts.unknownCategories ?? DEFAULTS.data.unknownCategories;
  const label = entry.label;

  let positions: number[] | null = null;
  let exact = true;
  let width = 0;
  let open: OpenSession | null = null;
  let ready: Session[] = [];

  const close = () => {
    if (open && open.rows.length > 0) {
      const day = fileDay ?? open.rows[0].date;
      if (!opts.days || opts.days.has(day)) {
        ready.push({ id: open.id, day, length: open.length, rows: open.rows, source: open.source });
        counts.sessions++;
        for (const row of open.rows) {
          for (const c of CATEGORICAL_COLUMNS) if (row[c.field] === c.vocab.length) counts.unknownCategories[c.column].rows++;
        }
      }
    }
    open = null;
  };

  for await (const chunk of readLineChunks(entry)) {
    const lines = chunk.lines;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i];
      if (text.length === 0) continue;
      const line = chunk.firstLine + i;
      if (positions === null) {
        const header = splitFields(text);
        positions = headerPositions(header, LOG_COLUMNS, at(label, line));
        width = header.length;
        exact = isExactHeader(positions, width);
        continue;
      }
      const { id, length, row, unknown } = parseRowText(text, { positions, width, exact }, label, line, dates);
      for (const u of unknown ?? []) {
        if (categoryPolicy === 'error') throw new DataError(unknownCategoryRefusal(u.category, u.value), at(label, line));
        addUnknownExample(counts.unknownCategories, u.category, u.value);
      }
      if (open === null || open.id !== id) {
        close();
        if (row.position !== 1) {
          throw new DataError(
            `session ${id} starts at session_position ${row.position}, expected 1 (rows must be sorted by session, then position)`,
            at(label, line),
          );
        }
        open = { id: detach(id), length, lastPosition: 0, rows: [], source: at(label, line) };
      } else if (length !== open.length) {
        throw new DataError(`session ${id} changes session_length from ${open.length} to ${length}`, at(label, line));
      }
      if (row.position !== open.lastPosition + 1 || row.position > length) {
        const why = row.position > length ? `out of 1..session_length (${length})` : `out of order (expected ${open.lastPosition + 1})`;
        throw new DataError(`session_position ${row.position} of session ${id} is ${why}`, at(label, line));
      }
      open.lastPosition = row.position;
      counts.rows++;
      if (row.date !== lastCheckedDate && !inDateRange(row.date, range)) {
        if (badDates === 'error') {
          throw new DataError(
            `date ${row.date} is outside ${range[0]} … ${range[1]} (set data.badDates to skip-row or keep to accept it)`,
            at(label, line),
          );
        }
        if (badDates === 'skip-row') {
          counts.droppedRows++;
          continue;
        }
      }
      lastCheckedDate = row.date;
      if (opts.tracks && !opts.tracks.index.has(row.trackId)) {
        resolveTrack(opts.tracks, row.trackId, unknownPolicy, at(label, line), opts.unknownCount);
      }
      open.rows.push(row);
    }
    if (opts.onProgress) {
      opts.onProgress({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
    }
    if (ready.length > 0) {
      const out = ready;
      ready = [];
      yield* out;
    }
  }
  if (positions === null) throw new DataError('empty file: no header line', label);
  close();
  opts.onProgress?.({ file: label, compressedBytes: bytesRead(), rows: counts.rows, sessions: counts.sessions });
  yield* ready;
}

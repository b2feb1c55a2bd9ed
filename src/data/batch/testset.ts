// The challenge test set: log_prehistory_<date> holds the first ⌊L/2⌋ rows of each session in full, log_input_<date>
// the remaining track ids. Files are paired by date and read in lockstep, so nothing is held beyond one session.
import { DataError } from '../../errors.ts';
import { INPUT_COLUMNS, MAX_SESSION_LENGTH } from '../format/columns.ts';
import { openEntries } from '../source/archive.ts';
import type { TextEntry } from '../source/textEntry.ts';
import { knownRows } from '../format/challenge.ts';
import { detach, headerPositions, readLineChunks, splitFields } from '../source/csv.ts';
import { dayFromFileName } from '../format/dates.ts';
import { readEntrySessions } from '../read/logs.ts';
import { newReadCounts, type ReadLogOptions } from '../read/readOptions.ts';
import { resolveTrack } from '../read/tracks.ts';
import type { ChallengeSession, Session } from '../format/types.ts';

interface InputSession {
  id: string;
  length: number;
  trackIds: string[];
  source: string;
}


/** Entries of the given paths (files, folders or archives) in sorted order, skipping the other half's files. */
async function* entriesOf(paths: string[], skipName: string): AsyncGenerator<TextEntry> {
  for (const path of [...paths].sort()) {
    yield* openEntries(path, (name) => !(name.split('/').pop() ?? name).startsWith(skipName));
  }
}

async function* readInputSessions(entry: TextEntry, opts: ReadLogOptions): AsyncGenerator<InputSession> {
  let pos: number[] | null = null;
  let width = 0;
  let open: (InputSession & { last: number }) | null = null;
  const out: InputSession[] = [];
  const finish = (where: string) => {
    if (!open) return;
    if (open.last !== open.length) {
      throw new DataError(`session ${open.id} ends at position ${open.last}, but its session_length is ${open.length}`, where);
    }
    out.push({ id: open.id, length: open.length, trackIds: open.trackIds, source: open.source });
    open = null;
  };
  let lastLine = 0;
  for await (const chunk of readLineChunks(entry)) {
    for (let i = 0; i < chunk.lines.length; i++) {
      if (chunk.lines[i].length === 0) continue;
      const line = chunk.firstLine + i;
      lastLine = line;
      const where = `${entry.label}:${line}`;
      const f = splitFields(chunk.lines[i]);
      if (pos === null) {
        pos = headerPositions(f, INPUT_COLUMNS, where);
        width = f.length;
        continue;
      }
      if (f.length !== width) throw new DataError(`expected ${width} fields (as in the header), found ${f.length}`, where);
      const id = f[pos[0]];
      const position = +f[pos[1]];
      const length = +f[pos[2]];
      if (!Number.isInteger(length) || length < 1 || length > MAX_SESSION_LENGTH) {
        throw new DataError(`session_length must be 1..${MAX_SESSION_LENGTH}, found '${f[pos[2]]}'`, where);
      }
      if (open === null || open.id !== id) {
        finish(where);
        open = { id: detach(id), length, trackIds: [], source: where, last: knownRows(length) };
      }
      if (length !== open.length) throw new DataError(`session ${id} changes session_length from ${open.length} to ${length}`, where);
      if (position !== open.last + 1 || position > length) {
        throw new DataError(`session_position '${f[pos[1]]}' of session ${id}: expected ${open.last + 1} (the hidden half runs ${knownRows(length) + 1}..${length})`, where);
      }
      open.last = position;
      const track = f[pos[3]];
      if (opts.tracks && !opts.tracks.index.has(track)) resolveTrack(opts.tracks, track, opts.unknownTracks ?? 'error', where, opts.unknownCount);
      open.trackIds.push(detach(track));
    }
    if (out.length > 0) yield* out.splice(0);
  }
  if (pos === null) throw new DataError('empty file: no header line', entry.label);
  finish(`${entry.label}:${lastLine}`);
  yield* out;
}

function pairSession(pre: Session, input: InputSession): ChallengeSession {
  if (pre.id !== input.id) {
    throw new DataError(`prehistory session ${pre.id} (${pre.source}) is paired with input session ${input.id}: the files list different sessions or orders`, input.source);
  }
  if (pre.length !== input.length) {
    throw new DataError(`session ${pre.id} has session_length ${pre.length} in the prehistory (${pre.source}) but ${input.length} here`, input.source);
  }
  if (pre.rows.length !== knownRows(pre.length)) {
    throw new DataError(`session ${pre.id} has ${pre.rows.length} prehistory rows; expected ⌊${pre.length}/2⌋ = ${knownRows(pre.length)}`, pre.source);
  }
  return { id: pre.id, length: pre.length, known: pre.rows, hiddenTrackIds: input.trackIds, source: pre.source };
}

/**
 * Challenge sessions from the prehistory and input files (or folders/archives holding them), paired by the date in
 * their names. Rows with odd dates are kept (badDates 'skip-row' acts as 'keep'): every test session must be predicted.
 * With `opts.tracks`, known and hidden track ids are both checked under `opts.unknownTracks`.
 */
export async function* readChallengeTestSet(
  prehistory: string[],
  input: string[],
  opts: ReadLogOptions = {},
): AsyncGenerator<ChallengeSession> {
  const readOpts: ReadLogOptions = { ...opts, days: undefined, badDates: opts.badDates === 'error' ? 'error' : 'keep' };
  const preEntries = entriesOf(prehistory, 'log_input_');
  const inputEntries = entriesOf(input, 'log_prehistory_');
  for (;;) {
    const [p, q] = await Promise.all([preEntries.next(), inputEntries.next()]);
    if (p.done && q.done) return;
    if (p.done || q.done) {
      const extra = p.done ? q.value!.label : p.value!.label;
      throw new DataError(`has no ${p.done ? 'prehistory' : 'input'} file to pair with`, extra);
    }
    const preDay = dayFromFileName(p.value.path);
    const inDay = dayFromFileName(q.value.path);
    if (preDay !== inDay) {
      throw new DataError(`is paired with ${q.value.label}, but their dates differ (${preDay ?? 'none'} vs ${inDay ?? 'none'})`, p.value.label);
    }
    const pres = readEntrySessions(p.value, readOpts, newReadCounts());
    let pre = await pres.next();
    for await (const input of readInputSessions(q.value, readOpts)) {
      // A session of length 1 has ⌊1/2⌋ = 0 known rows, so no prehistory row: nothing to pair it with.
      if (knownRows(input.length) === 0) {
        yield { id: input.id, length: input.length, known: [], hiddenTrackIds: input.trackIds, source: input.source };
        continue;
      }
      if (pre.done) throw new DataError('session has no counterpart in the prehistory file', input.source);
      yield pairSession(pre.value, input);
      pre = await pres.next();
    }
    if (!pre.done) throw new DataError('session has no counterpart in the input file', pre.value.source);
  }
}

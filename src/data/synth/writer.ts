// Writes a synthetic MSSD copy to disk in the real layout: training_set.tar.gz, track_features.tar.gz and optionally
// a challenge-style test_set/ folder.
//
// Streaming: a tar entry needs its size in its header, before its bytes. Each log file is written to a temporary
// CSV on disk first and then streamed into the archive, so memory stays flat whatever the file size (buffering one
// file in memory would bound memory only by sessions/(days × filesPerDay), which a user can make arbitrarily large;
// generating each file twice to count bytes would double the CPU time). Temporary disk use is one log file.
//
// Atomic: everything goes to dot-prefixed temporary names inside DIR and is renamed into place only when all of it
// is complete; on failure the temporaries are removed, so an interrupted run leaves nothing that looks finished.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { UserError } from '../../errors.ts';
import { fileError, withNote } from '../../util/failures.ts';
import { firstHiddenPosition } from '../format/challenge.ts';
import { generateTracks, type SynthCatalog } from './tracks.ts';
import { dayAfter } from './distributions.ts';
import { generateSession, sessionIds } from './sessions.ts';
import { INPUT_HEADER, LOG_HEADER, TRACK_HEADER, inputLine, logLine, trackLine } from './csv.ts';

export interface SynthOptions {
  out: string;
  sessions: number;
  days: number;
  seed: number;
  tracks: number;
  startDate?: string;
  filesPerDay?: number;
  testSet?: boolean;
  onProgress?: (sessionsDone: number) => void;
}

export interface SynthResult {
  logs: string;
  tracks: string;
  testSet?: { prehistory: string[]; input: string[]; truth: string[] };
}

const DEFAULT_START = '2018-07-15';
const DEFAULT_FILES_PER_DAY = 10;

/** Throws a UserError naming the first bad option. */
export function validateSynthOptions(opts: SynthOptions): void {
  const positiveInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UserError(`synth: --${name} must be a positive integer, got ${v}`);
  };
  positiveInt('sessions', opts.sessions);
  positiveInt('days', opts.days);
  positiveInt('tracks', opts.tracks);
  positiveInt('files-per-day', opts.filesPerDay);
  if (!Number.isInteger(opts.seed)) throw new UserError(`synth: --seed must be an integer, got ${opts.seed}`);
  const start = opts.startDate ?? DEFAULT_START;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`)) || dayAfter(start, 0) !== start)
    throw new UserError(`synth: --start-date must be a real date written YYYY-MM-DD, got '${start}'`);
  if (!opts.out) throw new UserError('synth: --out must name a folder');
}

const compact = (date: string) => date.replaceAll('-', '');

/** Buffered line writer that respects back-pressure. */
class LineWriter {
  private chunk: string[] = [];
  private size = 0;
  constructor(private readonly stream: WriteStream) {}
  async line(s: string): Promise<void> {
    this.chunk.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.chunk.length) return;
    const ok = this.stream.write(this.chunk.join('\n') + '\n');
    this.chunk = [];
    this.size = 0;
    if (!ok) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** A .tar.gz being written entry by entry from files on disk, with fixed metadata so bytes depend only on content. */
class TarGzWriter {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;
  constructor(
    path: string,
    private readonly mtime: Date,
  ) {
    this.done = pipeline(this.pack, createGzip({ level: 6 }), createWriteStream(path));
    this.done.catch(() => undefined); // surfaced by finish()
  }
  async addFile(name: string, source: string): Promise<void> {
    const { size } = await stat(source);
    const entry = this.pack.entry({ name, size, mtime: this.mtime, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' });
    await pipeline(createReadStream(source), entry);
  }
  async finish(): Promise<void> {
    this.pack.finalize();
    await this.done;
  }
  /** Stops writing after a failure (the partial file is removed with the work folder). */
  abort(): void {
    this.pack.destroy();
  }
}

/** Sessions writeSynth will generate in all (training plus the test day), for progress displays. */
export function plannedSessions(opts: Pick<SynthOptions, 'sessions' | 'days' | 'filesPerDay' | 'testSet'>): number {
  return opts.sessions + (opts.testSet ? testSessionCount(opts.sessions, opts.days, opts.filesPerDay ?? DEFAULT_FILES_PER_DAY) : 0);
}

/** The test day holds as many sessions as one log file of the last training day. */
function testSessionCount(sessions: number, days: number, filesPerDay: number): number {
  return Math.max(1, shareOf(sessions, days * filesPerDay, (days - 1) * filesPerDay));
}

/** Splits n sessions over `parts` files as evenly as possible. */
function shareOf(n: number, parts: number, index: number): number {
  return Math.floor(n / parts) + (index < n % parts ? 1 : 0);
}

async function writeLogFile(path: string, catalog: SynthCatalog, seed: number, ids: string[], date: string, done: () => void) {
  const w = new LineWriter(createWriteStream(path));
  await w.line(LOG_HEADER);
  for (const id of ids) {
    const s = generateSession(catalog, seed, id, date);
    for (const r of s.rows) await w.line(logLine(id, s.length, r));
    done();
  }
  await w.close();
}

async function writeTrackFile(path: string, catalog: SynthCatalog) {
  const w = new LineWriter(createWriteStream(path));
  await w.line(TRACK_HEADER);
  for (let i = 0; i < catalog.ids.length; i++) await w.line(trackLine(catalog.ids[i], catalog.features, i, catalog.width));
  await w.close();
}

/** The challenge split of one day's test sessions: prehistory (first ⌊L/2⌋ rows, all columns), input, truth. */
async function writeTestDay(dir: string, catalog: SynthCatalog, seed: number, date: string, count: number, done: () => void) {
  const day = compact(date);
  const files = {
    prehistory: join(dir, `log_prehistory_${day}_000000000000.csv`),
    input: join(dir, `log_input_${day}_000000000000.csv`),
    truth: join(dir, `ground_truth_${day}.txt`),
  };
  const pre = new LineWriter(createWriteStream(files.prehistory));
  const input = new LineWriter(createWriteStream(files.input));
  const truth = new LineWriter(createWriteStream(files.truth));
  await pre.line(LOG_HEADER);
  await input.line(INPUT_HEADER);
  for (const id of sessionIds(seed, date, 0, count, 'test')) {
    const s = generateSession(catalog, seed, id, date);
    const hidden = firstHiddenPosition(s.length);
    let labels = '';
    for (const r of s.rows) {
      if (r.position < hidden) await pre.line(logLine(id, s.length, r));
      else {
        await input.line(inputLine(id, s.length, r));
        labels += r.skip2 ? '1' : '0';
      }
    }
    await truth.line(labels);
    done();
  }
  await Promise.all([pre.close(), input.close(), truth.close()]);
  return files;
}

export async function writeSynth(opts: SynthOptions): Promise<SynthResult> {
  validateSynthOptions(opts);
  const start = opts.startDate ?? DEFAULT_START;
  const filesPerDay = opts.filesPerDay ?? DEFAULT_FILES_PER_DAY;
  const out = opts.out;
  await mkdir(out, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const work = join(out, `.synth-${tag}.tmp`);
  await mkdir(work);
  const final = {
    logs: join(out, 'training_set.tar.gz'),
    tracks: join(out, 'track_features.tar.gz'),
    testSet: join(out, 'test_set'),
  };
  const temp = {
    logs: join(work, 'training_set.tar.gz'),
    tracks: join(work, 'track_features.tar.gz'),
    testSet: join(work, 'test_set'),
  };
  const mtime = new Date(`${start}T00:00:00Z`);
  let sessionsDone = 0;
  const tick = () => {
    sessionsDone++;
    if (opts.onProgress && sessionsDone % 1000 === 0) opts.onProgress(sessionsDone);
  };

  const open: TarGzWriter[] = [];
  try {
    const catalog = generateTracks(opts.tracks, opts.seed);
    const tracksTar = new TarGzWriter(temp.tracks, mtime);
    open.push(tracksTar);
    const trackCsv = join(work, 'tf.csv');
    await writeTrackFile(trackCsv, catalog);
    await tracksTar.addFile('track_features/tf_000000000000.csv', trackCsv);
    await rm(trackCsv);
    await tracksTar.finish();

    const logsTar = new TarGzWriter(temp.logs, mtime);
    open.push(logsTar);
    const files = opts.days * filesPerDay;
    for (let d = 0; d < opts.days; d++) {
      const date = dayAfter(start, d);
      for (let k = 0; k < filesPerDay; k++) {
        const count = shareOf(opts.sessions, files, d * filesPerDay + k);
        const name = `log_${k}_${compact(date)}_000000000000.csv`;
        const csv = join(work, name);
        await writeLogFile(csv, catalog, opts.seed, sessionIds(opts.seed, date, k, count), date, tick);
        await logsTar.addFile(`training_set/${name}`, csv);
        await rm(csv);
      }
    }
    await logsTar.finish();

    let testFiles: Awaited<ReturnType<typeof writeTestDay>> | undefined;
    if (opts.testSet) {
      await mkdir(temp.testSet);
      const date = dayAfter(start, opts.days - 1);
      testFiles = await writeTestDay(temp.testSet, catalog, opts.seed, date, testSessionCount(opts.sessions, opts.days, filesPerDay), tick);
    }

    // Everything is complete: move it into place, the session logs last (their presence means "done").
    let testSet: SynthResult['testSet'];
    if (testFiles) {
      await rm(final.testSet, { recursive: true, force: true });
      await rename(temp.testSet, final.testSet);
      const moved = (p: string) => join(final.testSet, p.slice(temp.testSet.length + 1));
      testSet = { prehistory: [moved(testFiles.prehistory)], input: [moved(testFiles.input)], truth: [moved(testFiles.truth)] };
    }
    await rename(temp.tracks, final.tracks);
    await rename(temp.logs, final.logs);
    opts.onProgress?.(sessionsDone);
    return { logs: final.logs, tracks: final.tracks, testSet };
  } catch (e) {
    for (const w of open) w.abort();
    // Stream errors name no file: the folder being written is the one the user knows.
    throw withNote(fileError(e, 'write', out), `no synthetic data was written to ${out} (the partial files were removed)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

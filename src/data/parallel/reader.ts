// Both cores busy: the log files are decompressed and parsed on a worker thread while the main thread consumes the
// sessions (encodes batches, trains, writes the cache). Same sessions, same order, same errors as readSessions.
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataError, UserError } from '../../errors.ts';
import { sessionAt } from '../cache/block.ts';
import { newReadCounts, type ReadCounts, type ReadLogOptions } from '../logs.ts';
import { resolveTrack } from '../tracks.ts';
import type { Session } from '../types.ts';
import { BLOCK_SESSIONS, portableOptions, type EntryItem } from './entryBlocks.ts';
import type { ToWorker, WorkerJob } from './worker.ts';

/** Blocks parsed ahead of the consumer: enough to ride out hiccups, few enough to keep memory flat (~1 MB each). */
const MAX_IN_FLIGHT = 4;

type WorkerMessage =
  | EntryItem
  | { kind: 'progress'; p: Parameters<NonNullable<ReadLogOptions['onProgress']>>[0] }
  | { kind: 'error'; name?: string; message: string; where?: string; stack?: string };

/**
 * A worker running a .ts module. Node 20 does not apply tsx's hooks to a worker's entry file (whether the program
 * used --import tsx or bin/skiptrain.js's register()), so the worker starts from a tiny script that registers tsx
 * through its API and then imports the module; both are absolute URLs, so any working directory works.
 */
export function startTsWorker(module: URL, workerData: unknown = null): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** The worker's error as the same class and message it had there (DataError keeps its file:line prefix). */
export function reviveError(m: { name?: string; message: string; where?: string; stack?: string }): Error {
  let e: Error;
  if (m.name === 'DataError' || m.name === 'StreamError') {
    e = new DataError(m.message);
    if (m.where !== undefined) Object.defineProperty(e, 'where', { value: m.where });
  } else if (m.name === 'UserError') {
    e = new UserError(m.message);
  } else {
    e = new Error(`parsing thread failed: ${m.message}`);
    e.stack = m.stack;
  }
  return e;
}

/**
 * Parsing threads kept for reuse. Each concurrent read gets its own thread (training pauses its reader while
 * validation reads, so sharing one would deadlock); a thread that finished its job cleanly waits here, unref'd so
 * it never keeps the program alive.
 */
const idle: Worker[] = [];
const MAX_IDLE = 2;

function acquireWorker(): Worker {
  let w = idle.pop();
  if (!w) {
    const fresh = startTsWorker(new URL('./worker.ts', import.meta.url), null);
    // Idle threads have no job to report to; one that dies is simply dropped.
    fresh.on('error', () => {});
    fresh.on('exit', () => {
      const i = idle.indexOf(fresh);
      if (i >= 0) idle.splice(i, 1);
    });
    w = fresh;
  }
  w.ref();
  return w;
}

/** Listeners of the job in progress, removed one by one (removeAllListeners would also drop Node's own). */
type JobListeners = { message: (m: WorkerMessage) => void; error: (e: Error) => void; exit: () => void };

function releaseWorker(w: Worker, listeners: JobListeners, clean: boolean): void {
  w.off('message', listeners.message);
  w.off('error', listeners.error);
  w.off('exit', listeners.exit);
  if (clean && idle.length < MAX_IDLE) {
    w.unref();
    idle.push(w);
  } else {
    void w.terminate();
  }
}

/** One job on one parsing thread: its messages in arrival order, and the thread handed back at the end. */
class Job {
  private readonly worker = acquireWorker();
  private readonly queue: WorkerMessage[] = [];
  private failure: Error | null = null;
  private exited = false;
  private wake: (() => void) | null = null;
  private readonly listeners: JobListeners;
  /** True once the thread has reported its end or a caught error (it can take another job). */
  finished = false;

  constructor(job: WorkerJob) {
    const notify = () => {
      this.wake?.();
      this.wake = null;
    };
    this.listeners = {
      message: (m) => {
        this.queue.push(m);
        notify();
      },
      error: (e) => {
        this.failure ??= e;
        notify();
      },
      exit: () => {
        this.exited = true;
        notify();
      },
    };
    this.worker.on('message', this.listeners.message);
    this.worker.on('error', this.listeners.error);
    this.worker.on('exit', this.listeners.exit);
    this.worker.postMessage({ kind: 'job', job } satisfies ToWorker);
  }

  async next(): Promise<WorkerMessage> {
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      if (this.exited) throw new Error('the parsing thread stopped without finishing');
      await new Promise<void>((r) => (this.wake = r));
    }
    const m = this.queue.shift()!;
    if (m.kind === 'end' || m.kind === 'error') this.finished = true;
    return m;
  }

  ack(): void {
    this.worker.postMessage({ kind: 'ack' } satisfies ToWorker);
  }

  release(): void {
    releaseWorker(this.worker, this.listeners, this.finished && !this.exited);
  }
}

/**
 * Parsing threads worth starting: one per spare core, at most 6. With several, each takes every n-th file of the
 * source (an archive is then decompressed by each of them: gunzip costs a tenth of parsing, so this still pays).
 */
export function defaultParseThreads(): number {
  return Math.max(1, Math.min(6, availableParallelism() - 1));
}

/**
 * Entry items from parsing threads, in file order. Stopping early (break/return) or an error ends the threads.
 * `counts` receives the reader's final totals; `onProgress` is relayed as the threads report it (with several
 * threads, each reports its own files' rows).
 */
export async function* readEntryBlocksParallel(
  source: string,
  opts: ReadLogOptions = {},
  threads = 1,
  blockSessions = BLOCK_SESSIONS,
): AsyncGenerator<EntryItem> {
  const n = Math.max(1, Math.floor(threads));
  const jobs: Job[] = [];
  try {
    for (let index = 0; index < n; index++) {
      jobs.push(
        new Job({
          source,
          opts: portableOptions(opts),
          blockSessions,
          maxInFlight: MAX_IN_FLIGHT,
          progress: opts.onProgress !== undefined,
          part: { index, of: n },
        }),
      );
    }
    // File i comes from thread i mod n: take that thread's items until it closes the file, then move on.
    for (let turn = 0; ; ) {
      const job = jobs[turn % n];
      const m = await job.next();
      if (m.kind === 'progress') opts.onProgress?.(m.p);
      else if (m.kind === 'error') throw reviveError(m);
      else if (m.kind === 'entryEnd') turn++;
      else if (m.kind === 'end') {
        // No file i anywhere: every thread is at its end. Their totals add up; compressed bytes too for a folder
        // (each thread opened only its own files), while each thread read all of an archive.
        const totals = { ...m.counts };
        const folder = n > 1 && (await stat(source)).isDirectory();
        for (const other of jobs) {
          if (other === job) continue;
          for (;;) {
            const o = await other.next();
            if (o.kind === 'error') throw reviveError(o);
            if (o.kind !== 'end') continue;
            totals.files += o.counts.files;
            totals.rows += o.counts.rows;
            totals.sessions += o.counts.sessions;
            totals.droppedRows += o.counts.droppedRows;
            totals.compressedBytes = folder ? totals.compressedBytes + o.counts.compressedBytes : Math.max(totals.compressedBytes, o.counts.compressedBytes);
            break;
          }
        }
        if (opts.counts) Object.assign(opts.counts, totals);
        yield { kind: 'end', counts: totals };
        return;
      } else {
        yield m;
        if (m.kind === 'block') job.ack();
      }
    }
  } finally {
    for (const job of jobs) job.release();
  }
}

/**
 * readSessions on parsing threads (`threads` of them; the main thread only builds Session objects): same contract (sessions, order, days filter, badDates, counts, onProgress, file:line
 * errors). With `opts.tracks`, unknown track ids are checked here, per session, against the same policy; the
 * message names the row's line as readSessions does.
 */
export async function* readSessionsParallel(
  source: string,
  opts: ReadLogOptions = {},
  threads = defaultParseThreads(),
): AsyncGenerator<Session> {
  const counts: ReadCounts = opts.counts ?? newReadCounts();
  const tracks = opts.tracks;
  for await (const item of readEntryBlocksParallel(source, { ...opts, counts }, threads)) {
    if (item.kind !== 'block') continue;
    const b = item.block;
    const out = new Array<Session>(b.ids.length);
    for (let s = 0; s < b.ids.length; s++) {
      const session = sessionAt(b, s, null);
      if (tracks) {
        for (const r of session.rows) {
          if (!tracks.index.has(r.trackId)) {
            // Rows sit on consecutive lines from the session's first (dropped rows keep their position numbers).
            const where = `${b.label}:${b.sessionLine[s] + r.position - 1}`;
            resolveTrack(tracks, r.trackId, opts.unknownTracks ?? 'error', where, opts.unknownCount);
          }
        }
      }
      out[s] = session;
    }
    yield* out;
  }
}

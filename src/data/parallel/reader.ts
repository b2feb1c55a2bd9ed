// Both cores busy: the log files are decompressed and parsed on a worker thread while the main thread consumes the
// sessions (encodes batches, trains, writes the cache). Same sessions, same order, same errors as readSessions.
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
function reviveError(m: { name?: string; message: string; where?: string; stack?: string }): Error {
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

/**
 * Entry items from a parsing thread, in order. Stopping early (break/return) or an error ends that thread.
 * `counts` receives the reader's final totals; `onProgress` is relayed as the thread reports it.
 */
export async function* readEntryBlocksParallel(
  source: string,
  opts: ReadLogOptions = {},
  blockSessions = BLOCK_SESSIONS,
): AsyncGenerator<EntryItem> {
  const job: WorkerJob = {
    source,
    opts: portableOptions(opts),
    blockSessions,
    maxInFlight: MAX_IN_FLIGHT,
    progress: opts.onProgress !== undefined,
  };
  const worker = acquireWorker();
  const queue: WorkerMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let clean = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const listeners: JobListeners = {
    message: (m) => {
      queue.push(m);
      notify();
    },
    error: (e) => {
      failure ??= e;
      notify();
    },
    exit: () => {
      exited = true;
      notify();
    },
  };
  worker.on('message', listeners.message);
  worker.on('error', listeners.error);
  worker.on('exit', listeners.exit);
  worker.postMessage({ kind: 'job', job } satisfies ToWorker);
  try {
    for (;;) {
      while (queue.length === 0) {
        if (failure) throw failure;
        if (exited) throw new Error('the parsing thread stopped without finishing');
        await new Promise<void>((r) => (wake = r));
      }
      const m = queue.shift()!;
      if (m.kind === 'progress') {
        opts.onProgress?.(m.p);
      } else if (m.kind === 'error') {
        clean = true; // the thread caught it and is ready for another job
        throw reviveError(m);
      } else if (m.kind === 'end') {
        if (opts.counts) Object.assign(opts.counts, m.counts);
        clean = true;
        yield m;
        return;
      } else {
        yield m;
        if (m.kind === 'block') worker.postMessage({ kind: 'ack' } satisfies ToWorker);
      }
    }
  } finally {
    releaseWorker(worker, listeners, clean && !exited);
  }
}

/**
 * readSessions on two threads: same contract (sessions, order, days filter, badDates, counts, onProgress, file:line
 * errors). With `opts.tracks`, unknown track ids are checked here, per session, against the same policy; the
 * message names the row's line as readSessions does.
 */
export async function* readSessionsParallel(source: string, opts: ReadLogOptions = {}): AsyncGenerator<Session> {
  const counts: ReadCounts = opts.counts ?? newReadCounts();
  const tracks = opts.tracks;
  for await (const item of readEntryBlocksParallel(source, { ...opts, counts })) {
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

// Training batches built on a thread of their own, so the gradient threads never wait while the next batch is
// read, joined and padded. The sequence is trainBatches' (same seed, epoch and skip), so runs and resumes are
// exactly as with batches built on the trainer's thread.
import type { Worker } from 'node:worker_threads';
import { trainBatches, type DataContext, type View } from '../../data/batch/batches.ts';
import { reviveError, siblingModule, startWorker } from '../../util/threads.ts';
import { SpareBuffers } from '../../util/spareBuffers.ts';
import type { Batch } from '../../data/format/types.ts';
import { buffersOf, recycled } from '../../data/batch/batchBuffers.ts';
import type { FromBatchThread, ToBatchThread } from './batchThreadWorker.ts';

/** Which batches of which epoch (trainBatches' options). */
export type EpochBatches = { epoch: number; seed: number; view: View; skipBatches?: number };

/**
 * The training loop's batches: built on `thread` when there is one, else on this thread; either way a batch's
 * buffer carries a later batch once the next is asked for, so the loop must be done with a batch by then.
 */
export function trainingFeed(ctx: DataContext, thread: BatchThread | null): (opts: EpochBatches) => AsyncIterable<Batch> {
  const buffers = new SpareBuffers();
  return (opts) => thread?.batches(ctx, opts, true) ?? recycled(trainBatches(ctx, { ...opts, buffers }), buffers);
}

/** Batches built ahead of the trainer: enough to hide jitter, few enough to keep memory flat. */
const MAX_IN_FLIGHT = 3;

export class BatchThread {
  private readonly worker: Worker = startWorker(siblingModule(import.meta.url, 'batchThreadWorker'));
  private nextId = 0;
  private readonly queue: FromBatchThread[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Milliseconds the trainer waited for a batch (the thread fell behind). */
  waitedMs = 0;

  constructor() {
    const notify = () => {
      this.wake?.();
      this.wake = null;
    };
    this.worker.on('message', (m: FromBatchThread) => {
      this.queue.push(m);
      notify();
    });
    this.worker.on('error', (e) => {
      this.failure ??= e;
      notify();
    });
    this.worker.on('exit', (code) => {
      this.failure ??= new Error(`batch thread exited (code ${code})`);
      notify();
    });
  }

  /**
   * trainBatches(ctx, opts), built on the thread. With `recycle`, a batch is read only until the next one is asked
   * for: its buffer then goes back to the thread (its arrays are detached), which writes a later batch into it.
   */
  async *batches(ctx: DataContext, opts: EpochBatches, recycle = false): AsyncIterable<Batch> {
    const id = this.nextId++;
    const post = (m: ToBatchThread, transfer: ArrayBuffer[] = []) => this.worker.postMessage(m, transfer);
    post({ kind: 'job', job: { id, config: ctx.config, stats: ctx.stats, epoch: opts.epoch, seed: opts.seed, view: opts.view, skipBatches: opts.skipBatches ?? 0, maxInFlight: MAX_IN_FLIGHT } });
    let ended = false;
    try {
      for (;;) {
        const m = await this.next(id);
        if (m.kind === 'end') return void (ended = true);
        if (m.kind === 'error') throw reviveError(m);
        post({ kind: 'ack', id });
        yield m.batch;
        if (recycle) for (const buffer of buffersOf(m.batch)) post({ kind: 'recycle', buffer }, [buffer]);
      }
    } finally {
      if (!ended) post({ kind: 'stop', id });
    }
  }

  private async next(id: number): Promise<FromBatchThread> {
    const start = performance.now();
    for (;;) {
      const i = this.queue.findIndex((m) => m.id === id);
      if (i >= 0) {
        this.waitedMs += performance.now() - start;
        return this.queue.splice(i, 1)[0];
      }
      // Messages of a stopped job are dropped.
      this.queue.length = 0;
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  async dispose(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

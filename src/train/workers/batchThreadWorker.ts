// The batch thread: reads, joins, normalises and pads the training batches (trainBatches, the very same sequence
// as on the trainer's thread) and posts them with their arrays transferred, at most `maxInFlight` ahead of the
// trainer, into the buffers of batches the trainer has finished with when it returns them. Its data context (track
// table, cache) is loaded once and kept across epochs.
import { parentPort } from 'node:worker_threads';
import type { DataSettings } from '../../data/format/dataConfig.ts';
import { loadDataContext, trainBatches, type DataContext, type View } from '../../data/batch/batches.ts';
import { buffersOf } from '../../data/batch/batchBuffers.ts';
import { SpareBuffers } from '../../util/spareBuffers.ts';
import type { Batch, FeatureStats } from '../../data/format/types.ts';
import { threadError, type ThreadError } from '../../util/threads.ts';

export interface BatchJob {
  id: number;
  config: DataSettings;
  stats: FeatureStats;
  epoch: number;
  seed: number;
  view: View;
  skipBatches: number;
  maxInFlight: number;
}

export type ToBatchThread =
  | { kind: 'job'; job: BatchJob }
  | { kind: 'ack'; id: number }
  | { kind: 'stop'; id: number }
  /** A batch's buffer, moved back once the trainer no longer reads it. */
  | { kind: 'recycle'; buffer: ArrayBuffer };

export type FromBatchThread =
  | { kind: 'batch'; id: number; batch: Batch }
  | { kind: 'end'; id: number }
  | ({ kind: 'error'; id: number } & ThreadError);

const port = parentPort!;
let ctx: { key: string; ctx: DataContext } | null = null;
let current = { id: -1, inFlight: 0, stopped: false };
let wake: (() => void) | null = null;
const buffers = new SpareBuffers();

port.on('message', (m: ToBatchThread) => {
  if (m.kind === 'job') void run(m.job);
  else if (m.kind === 'recycle') buffers.give(m.buffer);
  else if (m.id === current.id) {
    if (m.kind === 'ack') current.inFlight--;
    else current.stopped = true;
    wake?.();
    wake = null;
  }
});


async function run(job: BatchJob): Promise<void> {
  const me = (current = { id: job.id, inFlight: 0, stopped: false });
  try {
    const key = JSON.stringify([job.config, job.stats]);
    if (ctx?.key !== key) ctx = { key, ctx: await loadDataContext(job.config, { stats: job.stats, log: () => {} }) };
    for await (const batch of trainBatches(ctx.ctx, { ...job, buffers })) {
      while (me.inFlight >= job.maxInFlight && !me.stopped) await new Promise<void>((r) => (wake = r));
      if (me.stopped) return;
      port.postMessage({ kind: 'batch', id: job.id, batch } satisfies FromBatchThread, buffersOf(batch)); // moved, not copied
      me.inFlight++;
    }
    port.postMessage({ kind: 'end', id: job.id } satisfies FromBatchThread);
  } catch (e) {
    port.postMessage({ kind: 'error', id: job.id, ...threadError(e) } satisfies FromBatchThread);
  }
}

// The batch thread: reads, joins, normalises and pads the training batches (trainBatches, the very same sequence
// as on the trainer's thread) and posts them with their arrays transferred, at most `maxInFlight` ahead of the
// trainer. Its data context (track table, cache) is loaded once and kept across epochs.
import { parentPort } from 'node:worker_threads';
import type { DataSettings } from '../../data/format/dataConfig.ts';
import { loadDataContext, trainBatches, type DataContext, type View } from '../../data/batch/batches.ts';
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

export type ToBatchThread = { kind: 'job'; job: BatchJob } | { kind: 'ack'; id: number } | { kind: 'stop'; id: number };

export type FromBatchThread =
  | { kind: 'batch'; id: number; batch: Batch }
  | { kind: 'end'; id: number }
  | ({ kind: 'error'; id: number } & ThreadError);

const port = parentPort!;
let ctx: { key: string; ctx: DataContext } | null = null;
let current = { id: -1, inFlight: 0, stopped: false };
let wake: (() => void) | null = null;

port.on('message', (m: ToBatchThread) => {
  if (m.kind === 'job') void run(m.job);
  else if (m.id === current.id) {
    if (m.kind === 'ack') current.inFlight--;
    else current.stopped = true;
    wake?.();
    wake = null;
  }
});

/** The batch's own buffers (each array is freshly allocated by emptyBatch), moved rather than copied. */
const transferables = (b: Batch) => [...new Set([b.inputs, b.trackIndex, b.mask, b.labels, b.auxLabels, b.reasonEnd, b.present, b.known, b.lengths].map((a) => a.buffer as ArrayBuffer))];

async function run(job: BatchJob): Promise<void> {
  const me = (current = { id: job.id, inFlight: 0, stopped: false });
  try {
    const key = JSON.stringify([job.config, job.stats]);
    if (ctx?.key !== key) ctx = { key, ctx: await loadDataContext(job.config, { stats: job.stats, log: () => {} }) };
    for await (const batch of trainBatches(ctx.ctx, job)) {
      while (me.inFlight >= job.maxInFlight && !me.stopped) await new Promise<void>((r) => (wake = r));
      if (me.stopped) return;
      port.postMessage({ kind: 'batch', id: job.id, batch } satisfies FromBatchThread, transferables(batch));
      me.inFlight++;
    }
    port.postMessage({ kind: 'end', id: job.id } satisfies FromBatchThread);
  } catch (e) {
    port.postMessage({ kind: 'error', id: job.id, ...threadError(e) } satisfies FromBatchThread);
  }
}

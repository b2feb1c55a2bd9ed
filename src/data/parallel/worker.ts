// The parsing thread: for each job it runs readEntryBlocks (gunzip via zlib's pool, tar, line splitting, parsing,
// packing into blocks) and posts each item to the main thread, the blocks' arrays transferred, not copied. At most
// `maxInFlight` blocks wait unacknowledged, so a slow consumer holds the parser back and memory stays flat.
// The thread stays up between jobs (starting one costs ~0.4 s of module loading); the main thread unrefs it when idle.
import { parentPort } from 'node:worker_threads';
import { blockBuffers } from '../cache/block.ts';
import { readEntryBlocks, type PortableReadOptions, type SourcePart } from './entryBlocks.ts';

export interface WorkerJob {
  source: string;
  opts: PortableReadOptions;
  blockSessions: number;
  maxInFlight: number;
  progress: boolean;
  part: SourcePart;
}

export type ToWorker = { kind: 'job'; job: WorkerJob } | { kind: 'ack' };

const port = parentPort!;
let inFlight = 0;
let wake: (() => void) | null = null;

port.on('message', (m: ToWorker) => {
  if (m.kind === 'ack') {
    inFlight--;
    wake?.();
    wake = null;
  } else if (m.kind === 'job') {
    void run(m.job);
  }
});

async function run(job: WorkerJob): Promise<void> {
  inFlight = 0;
  try {
    const onProgress = job.progress ? (p: unknown) => port.postMessage({ kind: 'progress', p }) : undefined;
    for await (const item of readEntryBlocks(job.source, job.opts, onProgress, job.blockSessions, job.part)) {
      if (item.kind === 'block') {
        port.postMessage(item, blockBuffers(item.block));
        inFlight++;
        while (inFlight >= job.maxInFlight) await new Promise<void>((r) => (wake = r));
      } else {
        port.postMessage(item);
      }
    }
  } catch (e) {
    const err = e as Error & { where?: string };
    port.postMessage({ kind: 'error', name: err?.name, message: err?.message ?? String(e), where: err?.where, stack: err?.stack });
  }
}

// How the trainer takes a step: on its own thread (train.workers = 1, or a backend that cannot be shared between
// threads), or data-parallel on a pool of gradient workers.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../config/schema.ts';
import type { SkipModel } from '../../models/model.ts';
import type { Batch } from '../../data/types.ts';
import type { Adam } from '../optimizer.ts';
import { trainStep, type StepOptions, type StepResult } from '../step.ts';
import { GradientPool } from './gradient-pool.ts';

export interface Stepper {
  /** Threads computing gradients (1 = the trainer's own). */
  readonly workers: number;
  step(batch: Batch, opts: StepOptions): Promise<StepResult>;
  /** Milliseconds each gradient thread has computed so far, the trainer's own first. */
  busyMs(): number[];
  dispose(): Promise<void>;
}

/**
 * The worker count a config asks for on the active backend: 'auto' = the cores available, never more than the
 * batch has sessions. Only wasm and cpu run in worker threads (a GPU or libtensorflow backend already uses the
 * whole device, and one device cannot be shared by several tfjs engines), so other backends get 1 and a log line.
 */
export function resolveWorkers(t: Pick<TrainConfig, 'workers' | 'batchSize'>, backend: string, log: (s: string) => void): number {
  const asked = t.workers === 'auto' ? availableParallelism() : t.workers;
  if (asked > 1 && backend !== 'wasm' && backend !== 'cpu') {
    if (t.workers !== 'auto') log(`train.workers: ${asked} ignored on the ${backend} backend (it uses the whole device); training on 1 thread`);
    return 1;
  }
  return Math.max(1, Math.min(asked, t.batchSize));
}

export async function createStepper(model: SkipModel, optimizer: Adam, workers: number): Promise<Stepper> {
  const backend = tf.getBackend();
  if (workers <= 1 || (backend !== 'wasm' && backend !== 'cpu')) {
    let busy = 0;
    const step = async (batch: Batch, opts: StepOptions) => {
      const start = performance.now();
      const result = trainStep(model, optimizer, batch, opts);
      busy += performance.now() - start;
      return result;
    };
    return { workers: 1, step, busyMs: () => [busy], dispose: async () => {} };
  }
  const pool = await GradientPool.start(workers, model, backend);
  return { workers, step: (batch, opts) => pool.step(optimizer, batch, opts), busyMs: () => [...pool.busyMs], dispose: () => pool.dispose() };
}

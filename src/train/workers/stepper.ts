// How the trainer takes a step: on its own thread (train.workers = 1, or a backend that cannot be shared between
// threads), or data-parallel on a pool of gradient workers.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../config/schema.ts';
import { predictProbabilities, type SkipModel } from '../../models/model.ts';
import type { Batch } from '../../data/types.ts';
import type { Adam } from '../optimizer.ts';
import { trainStep, type StepOptions, type StepResult } from '../step.ts';
import { GradientPool } from './gradientPool.ts';

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
  // Configs saved before train.workers existed mean the default.
  const workers = t.workers ?? 'auto';
  const asked = workers === 'auto' ? availableParallelism() : workers;
  if (asked > 1 && backend !== 'wasm' && backend !== 'cpu') {
    if (workers !== 'auto') log(`train.workers: ${asked} ignored on the ${backend} backend (it uses the whole device); training on 1 thread`);
    return 1;
  }
  return Math.max(1, Math.min(asked, t.batchSize));
}

/** Inference with the same threads: each batch's sessions spread over them (evaluate, predict). */
export interface ParallelPredictor {
  readonly workers: number;
  predict(batch: Batch): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function createPredictor(model: SkipModel, workers: number): Promise<ParallelPredictor> {
  const backend = tf.getBackend();
  if (workers <= 1 || (backend !== 'wasm' && backend !== 'cpu')) {
    return { workers: 1, predict: async (batch) => predictProbabilities(model, batch), dispose: async () => {} };
  }
  const pool = await GradientPool.start(workers, model, backend);
  return { workers, predict: (batch) => pool.predict(batch), dispose: () => pool.dispose() };
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

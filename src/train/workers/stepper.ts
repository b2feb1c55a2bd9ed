// How the trainer takes a step: in an engine (backend native: C on the CPU; webgpu: WGSL on a GPU), on its own thread
// (train.workers = 1, or a tfjs backend that cannot be shared between threads), or data-parallel on a pool of
// gradient workers.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../config/schema.ts';
import type { Batch } from '../../data/format/types.ts';
import type { Precision } from '../../kernels/engine.ts';
import { activeBackend, checkPrecision } from '../../models/backend.ts';
import { modelLogits, predictProbabilities, type SkipModel } from '../../models/model.ts';
import { createGpuEngine, createNativeEngine, engineBatch } from '../../models/engineModel.ts';
import { engineLacks } from '../../models/engineSupport.ts';
import { readFlatWeights } from '../../models/params.ts';
import type { Adam } from '../optimizer.ts';
import { pendingTensors, trainStep, type StepOptions, type Stepper } from '../step.ts';
import { GradientPool } from './gradientPool.ts';
import { GpuStepper } from './gpuStepper.ts';
import { NativeStepper } from './nativeStepper.ts';

/** Backends that spread a step over threads: the native engine inside itself, wasm and cpu with gradient workers. */
const THREADED = new Set(['native', 'wasm', 'cpu']);

/**
 * The thread count a config asks for on the active backend: 'auto' = the cores available, never more than the
 * batch has sessions. A GPU or libtensorflow backend already uses the whole device (and one device cannot be
 * shared by several tfjs engines), so other backends get 1 and a log line.
 */
export function resolveWorkers(t: Pick<TrainConfig, 'workers' | 'batchSize'>, backend: string, log: (s: string) => void): number {
  // Configs saved before train.workers existed mean the default.
  const workers = t.workers ?? 'auto';
  const asked = workers === 'auto' ? availableParallelism() : workers;
  if (asked > 1 && !THREADED.has(backend)) {
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

/** The engine that runs `model` on the active backend: native or webgpu, or null for TensorFlow.js beneath them. */
function engineFor(model: SkipModel): 'native' | 'webgpu' | null {
  const active = activeBackend();
  return (active === 'native' || active === 'webgpu') && !engineLacks(active, model.config, model.aux) ? active : null;
}

export async function createPredictor(model: SkipModel, workers: number): Promise<ParallelPredictor> {
  const runsOn = engineFor(model);
  if (runsOn === 'webgpu') {
    const engine = await createGpuEngine(model);
    const predict = async (batch: Batch) => (await engine.logits(engineBatch(batch))).map((x) => 1 / (1 + Math.exp(-x)));
    return { workers: 1, predict, dispose: async () => engine.destroy() };
  }
  if (runsOn === 'native') {
    const engine = createNativeEngine(model, workers);
    const params = await readFlatWeights(model.weights);
    const predict = async (batch: Batch) => engine.logits(params, engineBatch(batch)).map((x) => 1 / (1 + Math.exp(-x)));
    return { workers, predict, dispose: async () => {} };
  }
  const backend = tf.getBackend();
  if (workers <= 1 || (backend !== 'wasm' && backend !== 'cpu')) {
    return { workers: 1, predict: async (batch) => predictProbabilities(model, batch), dispose: async () => {} };
  }
  const pool = await GradientPool.start(workers, model, backend);
  return { workers, predict: (batch) => pool.predict(batch), dispose: () => pool.dispose() };
}

export async function createStepper(model: SkipModel, optimizer: Adam, workers: number, precision: Precision = 'f32'): Promise<Stepper> {
  await checkPrecision(precision);
  const runsOn = engineFor(model);
  if (runsOn === 'native') return NativeStepper.create(model, optimizer, workers);
  if (runsOn === 'webgpu') return GpuStepper.create(model, optimizer, precision);
  const backend = tf.getBackend();
  const logits = (batch: Batch) => modelLogits(model, batch);
  const sync = async () => {};
  if (workers <= 1 || (backend !== 'wasm' && backend !== 'cpu')) {
    let busy = 0;
    const step = async (batch: Batch, o: StepOptions) => {
      const start = performance.now();
      const result = trainStep(model, optimizer, batch, o);
      busy += performance.now() - start;
      return pendingTensors(result);
    };
    return { workers: 1, backend, step, logits, sync, busyMs: () => [busy], dispose: async () => {} };
  }
  const pool = await GradientPool.start(workers, model, backend);
  return { workers, backend, step: async (batch, o) => pendingTensors(await pool.step(optimizer, batch, o)), logits, sync, busyMs: () => [...pool.busyMs], dispose: () => pool.dispose() };
}

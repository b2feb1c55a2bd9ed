// Messages between the trainer (or evaluator) and its gradient workers. Weights and gradients travel through SharedArrayBuffers
// (one flat float32 vector in the model's weight order), so a step posts only the batch slice and a few numbers.
import type { ModelConfig } from '../../config/schema.ts';
import type { Batch } from '../../data/format/types.ts';
import type { AuxTargets } from '../../models/auxTargets.ts';
import type { SliceOptions } from './sliceGradient.ts';

export interface WorkerInit {
  /** The tfjs backend to run ('wasm' or 'cpu'). */
  backend: 'wasm' | 'cpu';
  model: ModelConfig;
  aux: AuxTargets;
  inputFeatures: number;
  /** Weight names in order, with their sizes: the worker checks its model matches. */
  layout: { name: string; size: number }[];
  /** The trainer writes the current weights here before each step. */
  weights: SharedArrayBuffer;
  /** This worker writes its slice's gradient here (same layout). */
  grads: SharedArrayBuffer;
}

export type ToGradientWorker =
  | { kind: 'init'; init: WorkerInit }
  | { kind: 'step'; batch: Batch; opts: SliceOptions }
  /** Inference: probabilities of a slice, after loading the shared weights when `loadWeights`. */
  | { kind: 'predict'; batch: Batch; loadWeights: boolean };

export type FromGradientWorker =
  | { kind: 'ready' }
  | { kind: 'done'; loss: number; correct: number; count: number; auxLosses: number[]; /** Time the step took on the worker. */ ms: number }
  | { kind: 'probabilities'; values: Float32Array }
  | { kind: 'error'; message: string; stack?: string };

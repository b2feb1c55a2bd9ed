// One optimisation step: forward, loss, gradients, global-norm clipping, Adam update — and every intermediate
// tensor disposed, so memory stays flat however many steps run.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/format/types.ts';
import { batchLoss, type TrainableModel } from './loss.ts';
import { clipByGlobalNorm, type Adam } from './optimizer.ts';

export interface StepOptions {
  lr: number;
  clipNorm: number;
  /** Weight of the known rows' own loss in the challenge view (0 = off). */
  knownWeight?: number;
  dropoutSeed: number;
}

/** Scalars left on the device (reading them would wait for the GPU): the caller reads them when needed and disposes them. */
export interface StepResult {
  /** The optimised loss (main + auxiliary). */
  loss: tf.Scalar;
  correct: tf.Scalar;
  count: tf.Scalar;
  gradNorm: tf.Scalar;
  /** Each auxiliary column's own loss (LossTensors.auxLosses). */
  auxLosses: tf.Tensor1D;
}

export function trainStep(model: TrainableModel, optimizer: Adam, batch: Batch, opts: StepOptions): StepResult {
  const variables = [...model.weights.values()];
  const keyOf = new Map([...model.weights].map(([key, variable]) => [variable.name, key]));
  let kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = batchLoss(model, batch, { training: true, dropoutSeed: opts.dropoutSeed, knownWeight: opts.knownWeight });
    // The accuracy counts and the auxiliary losses come out of the taped function, so keep them past its scope.
    kept = [tf.keep(out.correct), tf.keep(out.count), tf.keep(out.auxLosses)];
    return out.loss;
  }, variables);
  const byKey = new Map<string, tf.Tensor>();
  for (const [name, grad] of Object.entries(grads)) if (grad) byKey.set(keyOf.get(name) ?? name, grad);
  const gradNorm = applyUpdate(optimizer, byKey, opts);

  tf.dispose(Object.values(grads));
  const [correct, count, auxLosses] = kept;
  return { loss: value, correct: correct as tf.Scalar, count: count as tf.Scalar, gradNorm, auxLosses: auxLosses as tf.Tensor1D };
}

/** Clipping and the Adam update (shared with the data-parallel step, src/train/workers); returns the norm before clipping, on the device. */
export function applyUpdate(optimizer: Adam, grads: ReadonlyMap<string, tf.Tensor>, opts: Pick<StepOptions, 'lr' | 'clipNorm'>): tf.Scalar {
  const clipped = clipByGlobalNorm(grads, opts.clipNorm);
  optimizer.apply(clipped.grads, opts.lr);
  tf.dispose([...clipped.grads.values()]);
  return clipped.norm;
}

/**
 * A step's statistics where they were computed (tfjs scalars, a GPU buffer, numbers from native code): the trainer
 * reads them once per log interval, so that no step waits for a device.
 */
export interface PendingStep {
  /** The values (waiting for the device if need be); releases what held them. */
  read(): Promise<StepValues>;
  /** Releases them unread. */
  dispose(): void;
}

/** A tfjs step's scalars as a pending step. */
export function pendingTensors(r: StepResult): PendingStep {
  return { read: () => readStep(r), dispose: () => tf.dispose([r.loss, r.correct, r.count, r.gradNorm, r.auxLosses]) };
}

/** Statistics already known. */
export function settledStep(values: StepValues): PendingStep {
  return { read: async () => values, dispose: () => {} };
}

export interface Stepper {
  /** Threads computing gradients (1 = the trainer's own). */
  readonly workers: number;
  /** What computes the steps: 'native', 'webgpu' (the engines), or the tfjs backend's name. */
  readonly backend: string;
  step(batch: Batch, opts: StepOptions): Promise<PendingStep>;
  /** The main logit of every position with the current weights, no dropout (validation). */
  logits(batch: Batch): Promise<Float32Array>;
  /**
   * Brings the model's variables and the optimizer up to date with the steps taken (the native engine keeps its
   * own copy between steps): call before reading either, as checkpoints and histograms do.
   */
  sync(): Promise<void>;
  /** Milliseconds each gradient thread has computed so far, the trainer's own first. */
  busyMs(): number[];
  dispose(): Promise<void>;
}

/**
 * A step's statistics as numbers. auxLosses in AUX_COLUMNS order (models/auxTargets.ts); an engine's hold the four
 * binary columns only (the engines run no reason-end head).
 */
export type StepValues = Record<Exclude<keyof StepResult, 'auxLosses'>, number> & { auxLosses: number[] };

/** Reads a step's scalars (waiting for the device) and disposes them. */
export async function readStep(r: StepResult): Promise<StepValues> {
  const packed = tf.tidy(() => tf.concat([tf.stack([r.loss, r.correct, r.count, r.gradNorm]), r.auxLosses]));
  tf.dispose([r.loss, r.correct, r.count, r.gradNorm, r.auxLosses]);
  try {
    const [loss, correct, count, gradNorm, ...auxLosses] = await packed.data();
    return { loss, correct, count, gradNorm, auxLosses };
  } finally {
    packed.dispose();
  }
}

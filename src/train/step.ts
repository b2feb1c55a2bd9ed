// One optimisation step: forward, loss, gradients, global-norm clipping, Adam update — and every intermediate
// tensor disposed, so memory stays flat however many steps run.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types.ts';
import { batchLoss, type TrainableModel } from './loss.ts';
import { clipByGlobalNorm, type Adam } from './optimizer.ts';

export interface StepOptions {
  lr: number;
  clipNorm: number;
  auxWeight: number;
  /** Weight of the known rows' own loss in the challenge view (0 = off). */
  knownWeight?: number;
  dropoutSeed: number;
}

export interface StepResult {
  /** The optimised loss (main + auxiliary). */
  loss: number;
  correct: number;
  count: number;
  gradNorm: number;
}

export function trainStep(model: TrainableModel, optimizer: Adam, batch: Batch, opts: StepOptions): StepResult {
  const variables = [...model.weights.values()];
  const keyOf = new Map([...model.weights].map(([key, variable]) => [variable.name, key]));
  let kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = batchLoss(model, batch, { training: true, dropoutSeed: opts.dropoutSeed, auxWeight: opts.auxWeight, knownWeight: opts.knownWeight });
    // The accuracy counts come out of the taped function, so keep them past its scope.
    kept = [tf.keep(out.correct), tf.keep(out.count)];
    return out.loss;
  }, variables);
  const byKey = new Map<string, tf.Tensor>();
  for (const [name, grad] of Object.entries(grads)) if (grad) byKey.set(keyOf.get(name) ?? name, grad);
  const gradNorm = applyUpdate(optimizer, byKey, opts);

  const [loss, correct, count] = [value, ...kept].map((t) => t.dataSync()[0]);
  tf.dispose([value, ...kept, ...Object.values(grads)]);
  return { loss, correct, count, gradNorm };
}

/** Clipping and the Adam update (shared with the data-parallel step, src/train/workers); returns the norm before clipping. */
export function applyUpdate(optimizer: Adam, grads: ReadonlyMap<string, tf.Tensor>, opts: Pick<StepOptions, 'lr' | 'clipNorm'>): number {
  const clipped = clipByGlobalNorm(grads, opts.clipNorm);
  optimizer.apply(clipped.grads, opts.lr);
  tf.dispose([...clipped.grads.values()]);
  return clipped.norm;
}

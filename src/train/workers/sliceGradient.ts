// Forward and backward on one slice of a batch, the gradient written into a flat float32 vector (the model's
// weights in order). The trainer's thread runs it on the first slice, each gradient worker on its own.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/format/types.ts';
import { batchLoss, type LossOptions, type TrainableModel } from '../loss.ts';

export type SliceOptions = Required<Omit<LossOptions, 'training'>>;

export interface SliceResult {
  loss: number;
  correct: number;
  count: number;
  /** LossTensors.auxLosses: over the whole batch's denominator, so the slices' add up to the batch's. */
  auxLosses: number[];
}

export async function sliceGradient(model: TrainableModel, batch: Batch, opts: SliceOptions, out: Float32Array): Promise<SliceResult> {
  const variables = [...model.weights.values()];
  let kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const loss = batchLoss(model, batch, { training: true, ...opts });
    kept = [tf.keep(loss.correct), tf.keep(loss.count), tf.keep(loss.auxLosses)];
    return loss.loss;
  }, variables);
  let offset = 0;
  for (const v of variables) {
    const g = grads[v.name];
    if (g) out.set((await g.data()) as Float32Array, offset);
    else out.fill(0, offset, offset + v.size);
    offset += v.size;
  }
  const packed = tf.tidy(() => tf.concat([tf.stack([value, kept[0], kept[1]]), kept[2]]));
  const [loss, correct, count, ...auxLosses] = await packed.data();
  tf.dispose([packed, value, ...kept, ...Object.values(grads)]);
  return { loss, correct, count, auxLosses };
}

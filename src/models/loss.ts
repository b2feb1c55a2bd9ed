// The training objective on logits: masked mean binary cross-entropy for the main label, plus auxWeight × the
// same over the four auxiliary labels. Masked positions (padding; the known half in the challenge view) add nothing.
import * as tf from '@tensorflow/tfjs';
import type { ModelOutputs } from './model.ts';

/** Numerically stable BCE on logits: max(z,0) − z·y + log(1 + e^−|z|). */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

export interface LossTargets {
  labels: tf.Tensor2D; // [B, T]
  mask: tf.Tensor2D; // [B, T]
  auxLabels?: tf.Tensor3D; // [B, T, 4]
}

/** Scalar loss; the mask's sum is clamped to ≥ 1 so an all-masked batch gives 0, not NaN. */
export function skipLoss(out: ModelOutputs, t: LossTargets, auxWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const denom = tf.maximum(tf.sum(t.mask), 1);
    const main = tf.div(tf.sum(tf.mul(bceWithLogits(out.logits, t.labels), t.mask)), denom);
    if (!out.auxLogits || !t.auxLabels || auxWeight <= 0) return main as tf.Scalar;
    const aux = tf.div(tf.sum(tf.mul(bceWithLogits(out.auxLogits, t.auxLabels), tf.expandDims(t.mask, 2))), tf.mul(denom, 4));
    return tf.add(main, tf.mul(aux, auxWeight)) as tf.Scalar;
  });
}

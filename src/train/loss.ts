// The training objective: masked binary cross-entropy on the configured label, plus each auxiliary target the
// model has (models/auxTargets.ts) at its weight, on the same positions and with the same loss weights: the BCE of
// the binary columns (skip_1, skip_2, skip_3, not_skipped), the cross-entropy of the reason-end softmax.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/format/types.ts';
import { binaryAuxWeights, REASON_END_CLASSES, REASON_END_COLUMN } from '../models/auxTargets.ts';
import { batchToTensors, type SkipModel } from '../models/model.ts';

/** The part of a SkipModel the trainer needs. */
export type TrainableModel = Pick<SkipModel, 'weights' | 'apply' | 'aux'>;

/** Element-wise BCE from logits, stable for large |x|: max(x,0) − x·y + log(1 + e^−|x|). */
function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.relu(logits).sub(logits.mul(labels)).add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

export interface LossTensors {
  /** The scalar optimised. */
  loss: tf.Scalar;
  /** The main-label BCE alone (what val/loss reports). */
  mainLoss: tf.Scalar;
  /** Masked positions predicted right at threshold 0.5, and how many masked positions there are. */
  correct: tf.Scalar;
  count: tf.Scalar;
  /** The main head's logits [B, T]. */
  logits: tf.Tensor2D;
  /** Each auxiliary column's own loss (AUX_COLUMNS order; unweighted, the masked mean as mainLoss; 0 for a non-target). */
  auxLosses: tf.Tensor1D;
}

/**
 * Per-position loss weights: 1 on scored positions; in the challenge view with knownWeight > 0, known rows outside
 * the scored mask add their own (legitimate, history-only) prediction loss at that weight.
 */
export function lossWeights(batch: Batch, knownWeight = 0): Float32Array {
  if (!knownWeight) return batch.mask;
  return batch.mask.map((m, i) => m + batch.known[i] * (1 - m) * knownWeight);
}

/** The masked mean's divisor: total loss weight, at least 1 (a batch with nothing to score adds zero loss, not NaN). */
export function lossDenominator(weights: Float32Array): number {
  let sum = 0;
  for (const w of weights) sum += w;
  return Math.max(sum, 1);
}

export interface LossOptions {
  training: boolean;
  dropoutSeed?: number;
  /** Where `batch` starts in the step's whole batch (a slice of it): the part of the dropout masks it takes. */
  dropoutRowOffset?: number;
  knownWeight?: number;
  /**
   * The divisor of the masked mean when `batch` is a slice of a larger batch: the whole batch's lossDenominator, so
   * the slices' losses (and gradients) sum to the whole batch's. Default: this batch's own.
   */
  denominator?: number;
}

/** Loss and accuracy counts of one batch; all tensors are new (call inside tf.tidy or dispose them). */
export function batchLoss(model: TrainableModel, batch: Batch, opts: LossOptions): LossTensors {
  const { size: B, seqLen: T } = batch;
  const scored = tf.tensor2d(batch.mask, [B, T]);
  const weights = lossWeights(batch, opts.knownWeight);
  const mask = weights === batch.mask ? scored : tf.tensor2d(weights, [B, T]);
  const labels = tf.tensor2d(batch.labels, [B, T]);
  const { logits, auxLogits, reasonEndLogits } = model.apply(batchToTensors(batch), { training: opts.training, dropoutSeed: opts.dropoutSeed, dropoutRowOffset: opts.dropoutRowOffset });
  const count = scored.sum();
  const denominator = tf.scalar(opts.denominator ?? lossDenominator(weights));
  const mainLoss = bceWithLogits(logits, labels).mul(mask).sum().div(denominator) as tf.Scalar;
  let loss: tf.Scalar = mainLoss;
  let binaryLosses: tf.Tensor1D = tf.zeros([4]);
  let reasonEndLoss: tf.Scalar = tf.scalar(0);
  if (auxLogits) {
    const perColumn = bceWithLogits(auxLogits, tf.tensor3d(batch.auxLabels, [B, T, 4])).mul(mask.expandDims(2)); // [B, T, 4]
    binaryLosses = perColumn.sum([0, 1]).div(denominator);
    // Written as the shorthand's auxWeight × mean of the four, with each column scaled by its weight over the
    // largest: equal weights (model.auxWeight) scale by exactly 1, so such a config computes the loss bit for bit as before.
    const w = binaryAuxWeights(model.aux);
    const top = Math.max(...w);
    const auxLoss = perColumn.mul(tf.tensor1d(w.map((x) => x / top))).sum().div(denominator.mul(4)).mul(4 * top);
    loss = loss.add(auxLoss);
  }
  if (reasonEndLogits) {
    // −log softmax at the row's class; a row without one (padding, −1) has an all-zero one-hot and adds nothing.
    const targets = tf.oneHot(tf.tensor2d(batch.reasonEnd, [B, T], 'int32'), REASON_END_CLASSES);
    const crossEntropy = tf.neg(tf.logSoftmax(reasonEndLogits).mul(targets).sum(2)); // [B, T]
    reasonEndLoss = crossEntropy.mul(mask).sum().div(denominator);
    loss = loss.add(reasonEndLoss.mul(model.aux[REASON_END_COLUMN]));
  }
  const predicted = logits.greaterEqual(0).cast('float32'); // p ≥ 0.5 ⇒ skip, as in evaluate
  const correct = predicted.equal(labels).cast('float32').mul(scored).sum() as tf.Scalar;
  const auxLosses = tf.concat([binaryLosses, reasonEndLoss.reshape([1])]) as tf.Tensor1D;
  return { loss, mainLoss, correct, count: count as tf.Scalar, logits, auxLosses };
}

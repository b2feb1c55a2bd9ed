// The training objective: masked binary cross-entropy on the configured label, plus auxWeight × the mean BCE of
// the four auxiliary outcomes (skip_1, skip_2, skip_3, not_skipped) on the same positions.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/format/types.ts';
import { batchToTensors, type SkipModel } from '../models/model.ts';

/** The part of a SkipModel the trainer needs. */
export type TrainableModel = Pick<SkipModel, 'weights' | 'apply'>;

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
  auxWeight: number;
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
  const { logits, auxLogits } = model.apply(batchToTensors(batch), { training: opts.training, dropoutSeed: opts.dropoutSeed, dropoutRowOffset: opts.dropoutRowOffset });
  const count = scored.sum();
  const denominator = tf.scalar(opts.denominator ?? lossDenominator(weights));
  const mainLoss = bceWithLogits(logits, labels).mul(mask).sum().div(denominator) as tf.Scalar;
  let loss = mainLoss;
  if (auxLogits && opts.auxWeight > 0) {
    const auxLabels = tf.tensor3d(batch.auxLabels, [B, T, 4]);
    const auxMask = mask.expandDims(2);
    const auxLoss = bceWithLogits(auxLogits, auxLabels).mul(auxMask).sum().div(denominator.mul(4));
    loss = mainLoss.add(auxLoss.mul(opts.auxWeight)) as tf.Scalar;
  }
  const predicted = logits.greaterEqual(0).cast('float32'); // p ≥ 0.5 ⇒ skip, as in evaluate
  const correct = predicted.equal(labels).cast('float32').mul(scored).sum() as tf.Scalar;
  return { loss, mainLoss, correct, count: count as tf.Scalar, logits };
}

// A tiny linear "model" with the SkipModel surface, so the optimizer and checkpoint tests do not depend on the real
// architectures. Real-model coverage lives in the training and resume tests.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../src/data/format/types.ts';
import { resolveAuxTargets } from '../../src/models/auxTargets.ts';
import type { TrainableModel } from '../../src/train/loss.ts';
import { Rng } from '../../src/util/rng.ts';

let created = 0;

export function linearModel(features: number, seed = 1): TrainableModel & { dispose(): void } {
  const rng = new Rng(seed);
  const init = (shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * 0.1), shape);
  };
  const id = created++;
  const weights = new Map<string, tf.Variable>([
    ['head/kernel', tf.variable(init([features, 1]), true, `fake${id}/head/kernel`)],
    ['head/bias', tf.variable(tf.zeros([1]), true, `fake${id}/head/bias`)],
    ['aux/kernel', tf.variable(init([features, 4]), true, `fake${id}/aux/kernel`)],
  ]);
  return {
    weights,
    aux: resolveAuxTargets(undefined, 0.3),
    apply({ inputs }) {
      const [B, T, F] = inputs.shape;
      const flat = inputs.reshape([B * T, F]);
      const logits = flat.matMul(weights.get('head/kernel')!).add(weights.get('head/bias')!).reshape([B, T]) as tf.Tensor2D;
      const auxLogits = flat.matMul(weights.get('aux/kernel')!).reshape([B, T, 4]) as tf.Tensor3D;
      return { logits, auxLogits, reasonEndLogits: null };
    },
    dispose() {
      for (const v of weights.values()) v.dispose();
    },
  };
}

/** A batch where the label is 1 exactly when feature 0 is positive: learnable by the linear model. */
export function separableBatch(size: number, seqLen: number, features: number, seed: number): Batch {
  const rng = new Rng(seed);
  const n = size * seqLen;
  const inputs = Float32Array.from({ length: n * features }, () => rng.normal());
  const labels = new Float32Array(n);
  const auxLabels = new Float32Array(n * 4);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = inputs[i * features] > 0 ? 1 : 0;
    for (let k = 0; k < 4; k++) auxLabels[i * 4 + k] = k === 3 ? 1 - labels[i] : labels[i];
    mask[i] = i % seqLen < seqLen - 2 ? 1 : 0; // the last two positions of each row are padding
  }
  return {
    size,
    seqLen,
    features,
    inputs,
    trackIndex: new Int32Array(n).fill(-1),
    mask,
    labels,
    auxLabels,
    reasonEnd: new Int32Array(n).fill(-1),
    present: mask.slice(),
    known: new Float32Array(n),
    sessionIds: Array.from({ length: size }, (_, b) => `s${seed}-${b}`),
    lengths: new Int32Array(size).fill(seqLen - 2),
  };
}

// The fused recurrences (src/kernels/lstmSequence.ts, gruSequence.ts) against their op-by-op references: the loss
// and every variable's gradient, |Δ| ≤ 1e-5 · max|reference| + 1e-7 per tensor (float32 rounding differs between
// the formulations; a wrong formula is off by O(1) of the gradient scale).
import * as tf from '@tensorflow/tfjs';
import * as assert from 'uvu/assert';
import { maxAbs, maxAbsDiff } from './tinyModels.ts';

type Grads = { value: tf.Scalar; grads: tf.NamedTensorMap };

/** A seeded normal tensor. */
export const seeded = (shape: number[], seed: number, std = 0.5) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** The loss, and every variable's gradient within the tolerance above. */
export function assertSameGradients(fast: Grads, ref: Grads, variables: tf.Variable[], backend: string): void {
  const lossDiff = Math.abs(fast.value.dataSync()[0] - ref.value.dataSync()[0]);
  assert.ok(lossDiff <= 1e-6, `${backend}: loss differs by ${lossDiff}`);
  for (const v of variables) {
    const got = fast.grads[v.name].dataSync();
    const want = ref.grads[v.name].dataSync();
    const scale = maxAbs(want);
    assert.ok(scale > 1e-4, 'the reference gradient is not trivially zero');
    const diff = maxAbsDiff(got, want);
    assert.ok(diff <= 1e-5 * scale + 1e-7, `${backend}: gradient ${v.shape} differs by ${diff} (scale ${scale})`);
  }
}

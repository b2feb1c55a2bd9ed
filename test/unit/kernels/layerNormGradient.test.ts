// The fused layer norm (hand-written backward) must match the plain formula with ordinary autodiff: value and the
// gradients of x, γ and β, on cpu and wasm, for the 3-D activations the Transformer feeds it. Tolerance as in
// lstmGradient.test.ts: |Δ| ≤ 1e-5 · max|reference| + 1e-7 per tensor.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerNorm } from '../../../src/kernels/layerNorm.ts';
import { maxAbs, maxAbsDiff } from '../../helpers/tinyModels.ts';

function plainLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function compare(backend: string) {
  const seeded = (shape: number[], seed: number, mean = 0) => tf.randomNormal(shape, mean, 1, 'float32', seed);
  const x = tf.variable(seeded([3, 5, 8], 1, 0.7));
  const gamma = tf.variable(seeded([8], 2, 1));
  const beta = tf.variable(seeded([8], 3));
  const target = seeded([3, 5, 8], 4);
  // A loss whose gradient differs per element, so every term of the backward formula matters.
  const loss = (f: typeof plainLayerNorm) => () => tf.sum(tf.mul(tf.square(tf.sub(f(x, gamma, beta), target)), tf.add(target, 2))) as tf.Scalar;
  const fused = tf.variableGrads(loss((a, g, b) => layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D)), [x, gamma, beta]);
  const plain = tf.variableGrads(loss(plainLayerNorm), [x, gamma, beta]);
  const valueDiff = Math.abs(fused.value.dataSync()[0] - plain.value.dataSync()[0]);
  assert.ok(valueDiff <= 1e-5 * Math.abs(plain.value.dataSync()[0]), `${backend}: loss differs by ${valueDiff}`);
  for (const v of [x, gamma, beta]) {
    const got = fused.grads[v.name].dataSync();
    const want = plain.grads[v.name].dataSync();
    const scale = maxAbs(want);
    assert.ok(scale > 1e-3, 'the reference gradient is not trivially zero');
    const diff = maxAbsDiff(got, want);
    assert.ok(diff <= 1e-5 * scale + 1e-7, `${backend}: gradient of ${v.shape} differs by ${diff} (scale ${scale})`);
  }
  tf.dispose([x, gamma, beta, target, fused.value, plain.value, ...Object.values(fused.grads), ...Object.values(plain.grads)]);
}

test('fused layer norm = plain autodiff layer norm (value and gradients) on cpu', async () => {
  await tf.setBackend('cpu');
  compare('cpu');
});

test('fused layer norm = plain autodiff layer norm (value and gradients) on wasm', async () => {
  await tf.setBackend('wasm');
  try {
    compare('wasm');
  } finally {
    await tf.setBackend('cpu');
  }
});

test.run();

// The fast LSTM (hand-written backward, sigmoid-based tanh, scaled state), and its switched twin (two recurrent
// kernels, the encoder–decoder's), must match a plain gate-by-gate LSTM with ordinary autodiff on the same weights:
// loss and every gradient, on cpu and on wasm (which uses our replacement slicing kernels), at the tolerance of
// test/helpers/recurrenceGradients.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lstmSequence, switchedLstmSequence } from '../../../src/kernels/lstmSequence.ts';
import { referenceLstm, referenceSwitchedLstm } from '../../../src/kernels/referenceLstm.ts';
import { setFastSlicing } from '../../../src/kernels/fastSlicing.ts';
import { assertSameGradients, seeded } from '../../helpers/recurrenceGradients.ts';

const B = 3;
const T = 7;
const F = 5;
const H = 6;

function compare(backend: string) {
  const x = seeded([B, T, F], 1, 1) as tf.Tensor3D;
  const target = seeded([B, T, H], 5, 1);
  const wx = tf.variable(seeded([F, 4 * H], 2));
  const wh = tf.variable(seeded([H, 4 * H], 3));
  const b = tf.variable(seeded([4 * H], 4));
  const mse = (h: tf.Tensor) => tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
  const fast = tf.variableGrads(() => {
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, F]), wx), b), [B, T, 4 * H]) as tf.Tensor3D;
    return mse(lstmSequence(xp, wh as tf.Tensor2D));
  }, [wx, wh, b]);
  const ref = tf.variableGrads(() => mse(referenceLstm(x, wx as tf.Tensor2D, wh as tf.Tensor2D, b as tf.Tensor1D)), [wx, wh, b]);
  assertSameGradients(fast, ref, [wx, wh, b], backend);
  tf.dispose([x, target, wx, wh, b, fast.value, ref.value, ...Object.values(fast.grads), ...Object.values(ref.grads)]);
}

test('fast LSTM = plain autodiff LSTM (loss and gradients) on cpu, stock and replacement slicing kernels', async () => {
  await tf.setBackend('cpu');
  setFastSlicing(false, 'cpu');
  compare('cpu (stock kernels)');
  setFastSlicing(true, 'cpu');
  compare('cpu');
});

test('fast LSTM = plain autodiff LSTM (loss and gradients) on wasm with the replacement slicing kernels', async () => {
  await tf.setBackend('wasm');
  setFastSlicing(true, 'wasm');
  try {
    compare('wasm');
  } finally {
    await tf.setBackend('cpu');
  }
});

function compareSwitched(backend: string) {
  const x = seeded([B, T, F], 1, 1) as tf.Tensor3D;
  const target = seeded([B, T, H], 5, 1);
  // Each sequence switches at its own position (sequence 0 never: all first; the last at once: all second).
  const first = tf.tensor3d(Array.from({ length: B * T }, (_, i) => (i % T < [T, 3, 0][Math.floor(i / T)] ? 1 : 0)), [B, T, 1]);
  const weights = (seed: number) => ({ wx: tf.variable(seeded([F, 4 * H], seed)), wh: tf.variable(seeded([H, 4 * H], seed + 1)), b: tf.variable(seeded([4 * H], seed + 2)) });
  const [one, two] = [weights(10), weights(20)];
  const variables = [one.wx, one.wh, one.b, two.wx, two.wh, two.b];
  const mse = (h: tf.Tensor) => tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
  const proj = (w: typeof one) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, F]), w.wx), w.b), [B, T, 4 * H]);
  const fast = tf.variableGrads(() => {
    const xp = tf.add(tf.mul(proj(one), first), tf.mul(proj(two), tf.sub(1, first))) as tf.Tensor3D;
    return mse(switchedLstmSequence(xp, one.wh as tf.Tensor2D, two.wh as tf.Tensor2D, first));
  }, variables);
  const asWeights = (w: typeof one) => ({ wx: w.wx as tf.Tensor2D, wh: w.wh as tf.Tensor2D, b: w.b as tf.Tensor1D });
  const ref = tf.variableGrads(() => mse(referenceSwitchedLstm(x, first, asWeights(one), asWeights(two))), variables);
  assertSameGradients(fast, ref, variables, backend);
  tf.dispose([x, target, first, ...variables, fast.value, ref.value, ...Object.values(fast.grads), ...Object.values(ref.grads)]);
}

test('the switched LSTM (two recurrent kernels, switching per position) = its op-by-op reference, loss and gradients, on cpu and wasm', async () => {
  await tf.setBackend('cpu');
  compareSwitched('cpu');
  await tf.setBackend('wasm');
  setFastSlicing(true, 'wasm');
  try {
    compareSwitched('wasm');
  } finally {
    await tf.setBackend('cpu');
  }
});

test('a one-step sequence works (no previous state to shift)', async () => {
  await tf.setBackend('cpu');
  const out = tf.tidy(() => lstmSequence(tf.ones([2, 1, 8]) as tf.Tensor3D, tf.zeros([2, 8]) as tf.Tensor2D).arraySync());
  // h = σ(1)·tanh(σ(1)·tanh(1)) for every unit
  const s = 1 / (1 + Math.exp(-1));
  const expected = s * Math.tanh(s * Math.tanh(1));
  assert.ok(Math.abs(out[0][0][0] - expected) < 1e-6, `${out[0][0][0]} vs ${expected}`);
});

test.run();

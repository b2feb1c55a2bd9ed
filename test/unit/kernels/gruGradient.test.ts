// The fused GRU (hand-written backward), and its switched twin (two sets of recurrent weights, the
// encoder–decoder's), must match a plain gate-by-gate GRU with ordinary autodiff on the same weights: loss and every
// gradient (Wx, Wh, bx, bh), on cpu and on wasm (which uses our replacement slicing kernels), at the tolerance of
// test/helpers/recurrenceGradients.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gruSequence, switchedGruSequence } from '../../../src/kernels/gruSequence.ts';
import { referenceGru, referenceSwitchedGru, type GruWeights } from '../../../src/kernels/referenceGru.ts';
import { setFastSlicing } from '../../../src/kernels/fastSlicing.ts';
import { assertSameGradients, seeded } from '../../helpers/recurrenceGradients.ts';

const B = 3;
const T = 7;
const F = 5;
const H = 6;

function variables(seed: number) {
  return { wx: tf.variable(seeded([F, 3 * H], seed)), wh: tf.variable(seeded([H, 3 * H], seed + 1)), bx: tf.variable(seeded([3 * H], seed + 2)), bh: tf.variable(seeded([3 * H], seed + 3)) };
}
type Variables = ReturnType<typeof variables>;
const asWeights = (w: Variables): GruWeights => ({ wx: w.wx as tf.Tensor2D, wh: w.wh as tf.Tensor2D, bx: w.bx as tf.Tensor1D, bh: w.bh as tf.Tensor1D });
const all = (w: Variables) => [w.wx, w.wh, w.bx, w.bh];

/** The fused op and the reference on the same input and weights: loss and every gradient. */
function compare(backend: string, switched: boolean) {
  const x = seeded([B, T, F], 1, 1) as tf.Tensor3D;
  const target = seeded([B, T, H], 5, 1);
  // Each sequence switches at its own position (sequence 0 never: all first; the last at once: all second).
  const first = tf.tensor3d(Array.from({ length: B * T }, (_, i) => (i % T < [T, 3, 0][Math.floor(i / T)] ? 1 : 0)), [B, T, 1]);
  const [one, two] = [variables(10), variables(20)];
  const vars = switched ? [...all(one), ...all(two)] : all(one);
  const mse = (h: tf.Tensor) => tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
  const proj = (w: Variables) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, F]), w.wx), w.bx), [B, T, 3 * H]) as tf.Tensor3D;
  const recurrent = (w: Variables) => ({ wh: w.wh as tf.Tensor2D, bh: w.bh as tf.Tensor1D });
  const fast = tf.variableGrads(() => {
    if (!switched) return mse(gruSequence(proj(one), recurrent(one)));
    const xp = tf.add(tf.mul(proj(one), first), tf.mul(proj(two), tf.sub(1, first))) as tf.Tensor3D;
    return mse(switchedGruSequence(xp, recurrent(one), recurrent(two), first));
  }, vars);
  const ref = tf.variableGrads(() => mse(switched ? referenceSwitchedGru(x, first, asWeights(one), asWeights(two)) : referenceGru(x, asWeights(one))), vars);
  assertSameGradients(fast, ref, vars, backend);
  tf.dispose([x, target, first, ...all(one), ...all(two), fast.value, ref.value, ...Object.values(fast.grads), ...Object.values(ref.grads)]);
}

test('fused GRU = plain autodiff GRU (loss and gradients) on cpu, stock and replacement slicing kernels', async () => {
  await tf.setBackend('cpu');
  setFastSlicing(false, 'cpu');
  compare('cpu (stock kernels)', false);
  setFastSlicing(true, 'cpu');
  compare('cpu', false);
});

test('fused GRU = plain autodiff GRU (loss and gradients) on wasm with the replacement slicing kernels', async () => {
  await tf.setBackend('wasm');
  setFastSlicing(true, 'wasm');
  try {
    compare('wasm', false);
  } finally {
    await tf.setBackend('cpu');
  }
});

test('the switched GRU (two sets of recurrent weights, switching per position) = its op-by-op reference, loss and gradients, on cpu and wasm', async () => {
  await tf.setBackend('cpu');
  compare('cpu', true);
  await tf.setBackend('wasm');
  setFastSlicing(true, 'wasm');
  try {
    compare('wasm', true);
  } finally {
    await tf.setBackend('cpu');
  }
});

test('a one-step sequence: h = (1 − z)·n from zero state, the recurrent bias gated by r', async () => {
  await tf.setBackend('cpu');
  const xp = tf.tensor3d(Array.from({ length: 2 * 3 * 4 }, (_, i) => [0.5, -1, 2][Math.floor((i % 12) / 4)]), [2, 1, 12]); // r, z, n columns
  const bh = tf.tensor1d(Array.from({ length: 12 }, (_, i) => [0.25, 0.5, -0.75][Math.floor(i / 4)]));
  const out = tf.tidy(() => gruSequence(xp, { wh: tf.zeros([4, 12]), bh }).arraySync());
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  const r = s(0.5 + 0.25);
  const z = s(-1 + 0.5);
  const expected = (1 - z) * Math.tanh(2 + r * -0.75);
  assert.ok(Math.abs(out[1][0][3] - expected) < 1e-6, `${out[1][0][3]} vs ${expected}`);
  tf.dispose([xp, bh]);
});

test('mismatched shapes are refused with both shapes named', () => {
  assert.throws(() => gruSequence(tf.zeros([2, 3, 12]) as tf.Tensor3D, { wh: tf.zeros([4, 16]), bh: tf.zeros([12]) }), /xp \[2,3,12\], wh and bh \[4,16\] and \[12\]/);
});

test.run();

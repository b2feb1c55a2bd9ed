// Layer normalisation over the last axis (pre-LN Transformer blocks), as ONE differentiable op with a hand-written
// backward (like lstmSequence.ts): autodiff of the plain formula issues ~25 small kernels per call on wasm (every
// broadcast needs its own reduction in the backward pass), the closed form below 11.
//   x̂ = (x − μ)·r, r = 1/√(σ² + ε)    y = γ⊙x̂ + β
//   dγ = Σ_rows dy⊙x̂    dβ = Σ_rows dy    g = dy⊙γ    dx = r·(g − mean(g) − x̂⊙mean(g⊙x̂))
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp.ts';

const EPSILON = 1e-5;

const layerNormOp = customOp((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
  const d = x.shape[x.rank - 1];
  const rows = tf.reshape(x, [-1, d]);
  const centred = tf.sub(rows, tf.mean(rows, 1, true));
  const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), EPSILON));
  const xHat = tf.mul(centred, r);
  save([xHat, r, gamma]);
  return {
    value: tf.reshape(tf.add(tf.mul(xHat, gamma), beta), x.shape),
    gradFunc: (dy: tf.Tensor, [xh, rs, g]: tf.Tensor[]) => {
      const dyRows = tf.reshape(dy, [-1, d]);
      const gx = tf.mul(dyRows, g);
      const dx = tf.mul(tf.sub(tf.sub(gx, tf.mean(gx, 1, true)), tf.mul(xh, tf.mean(tf.mul(gx, xh), 1, true))), rs);
      return [tf.reshape(dx, dy.shape), tf.sum(tf.mul(dyRows, xh), 0), tf.sum(dyRows, 0)];
    },
  };
});

/** The same as the plain formula (test/unit/kernels/layerNormGradient.test.ts checks value and gradients). */
export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D): T {
  return layerNormOp(x, gamma, beta) as T;
}


// A plain GRU written gate by gate with ordinary autodiff: the yardstick the fused recurrence (gruSequence.ts) is
// checked against in tests. Same weights layout: Wx [in, 3H], Wh [H, 3H], bx and bh [3H], gate columns (r, z, n);
// PyTorch's GRU: n = tanh(x·Wx_n + bx_n + r⊙(h·Wh_n + bh_n)), h' = (1−z)⊙n + z⊙h. Not used for training.
import * as tf from '@tensorflow/tfjs';

export interface GruWeights {
  wx: tf.Tensor2D;
  wh: tf.Tensor2D;
  bx: tf.Tensor1D;
  bh: tf.Tensor1D;
}

/** One step from h and its pre-activations xp = x·Wx + bx and hp = h·Wh + bh, [B, 3H] each, gate by gate. */
function step(h: tf.Tensor2D, xp: tf.Tensor2D, hp: tf.Tensor2D): tf.Tensor2D {
  const [xr, xz, xn] = tf.split(xp, 3, 1);
  const [hr, hz, hn] = tf.split(hp, 3, 1);
  const r = tf.sigmoid(tf.add(xr, hr));
  const z = tf.sigmoid(tf.add(xz, hz));
  const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
  return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
}

const at = (x: tf.Tensor3D, t: number) => tf.reshape(tf.slice(x, [0, t, 0], [x.shape[0], 1, -1]), [x.shape[0], -1]) as tf.Tensor2D;

export function referenceGru(x: tf.Tensor3D, w: GruWeights): tf.Tensor3D {
  const [B, T] = x.shape;
  let h: tf.Tensor2D = tf.zeros([B, w.wh.shape[0]]);
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    h = step(h, tf.add(tf.matMul(at(x, t), w.wx), w.bx), tf.add(tf.matMul(h, w.wh), w.bh));
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

/** The switched GRU (switchedGruSequence) op by op: weights `one` where first [B, T, 1] is 1, `two` where 0. */
export function referenceSwitchedGru(x: tf.Tensor3D, first: tf.Tensor3D, one: GruWeights, two: GruWeights): tf.Tensor3D {
  const [B, T] = x.shape;
  let h: tf.Tensor2D = tf.zeros([B, one.wh.shape[0]]);
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const xt = at(x, t);
    const k = at(first, t);
    const pick = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(a, k), tf.mul(b, tf.sub(1, k))) as tf.Tensor2D;
    const xp = pick(tf.add(tf.matMul(xt, one.wx), one.bx), tf.add(tf.matMul(xt, two.wx), two.bx));
    h = step(h, xp, pick(tf.add(tf.matMul(h, one.wh), one.bh), tf.add(tf.matMul(h, two.wh), two.bh)));
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

// A plain LSTM written gate by gate with ordinary autodiff: the yardstick the fast recurrences (lstmSequence.ts)
// are checked against in tests and timed against in `npm run bench -- train`. Same weights layout: Wx [in, 4H],
// Wh [H, 4H], b [4H], gate columns (i, f, o, g). Not used for training.
import * as tf from '@tensorflow/tfjs';

export function referenceLstm(x: tf.Tensor3D, wx: tf.Tensor2D, wh: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  const [B, T] = x.shape;
  const H = wh.shape[0];
  const gate = (k: number) => ({
    wx: tf.slice(wx, [0, k * H], [-1, H]),
    wh: tf.slice(wh, [0, k * H], [-1, H]),
    b: tf.slice(b, [k * H], [H]),
  });
  const [gi, gf, go, gg] = [0, 1, 2, 3].map(gate);
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D;
    const pre = (p: { wx: tf.Tensor2D; wh: tf.Tensor2D; b: tf.Tensor1D }) => tf.add(tf.add(tf.matMul(xt, p.wx), tf.matMul(h, p.wh)), p.b);
    const i = tf.sigmoid(pre(gi));
    const f = tf.sigmoid(pre(gf));
    const o = tf.sigmoid(pre(go));
    const g = tf.tanh(pre(gg));
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    h = tf.mul(o, tf.tanh(c));
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

export interface LstmWeights {
  wx: tf.Tensor2D;
  wh: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** The switched LSTM (switchedLstmSequence) op by op: weights `one` where first [B, T, 1] is 1, `two` where 0. */
export function referenceSwitchedLstm(x: tf.Tensor3D, first: tf.Tensor3D, one: LstmWeights, two: LstmWeights): tf.Tensor3D {
  const [B, T] = x.shape;
  const H = one.wh.shape[0];
  const proj = (w: LstmWeights) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, -1]), w.wx), w.b), [B, T, 4 * H]);
  const xp = tf.add(tf.mul(proj(one), first), tf.mul(proj(two), tf.sub(1, first))) as tf.Tensor3D;
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const at = (m: tf.Tensor3D) => tf.reshape(tf.slice(m, [0, t, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D;
    const k = at(first);
    const z = tf.add(at(xp), tf.add(tf.mul(tf.matMul(h, one.wh), k), tf.mul(tf.matMul(h, two.wh), tf.sub(1, k))));
    const [i, f, o, g] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

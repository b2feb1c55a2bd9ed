// A plain LSTM written gate by gate with ordinary autodiff: the yardstick the fast recurrence (lstmSequence.ts)
// is checked against in tests and timed against in `npm run bench -- train`. Same weights layout: Wx [in, 4H],
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

// A dense (fully connected) layer with a hand-written gradient. tfjs's own matMul gradient uses
// matMul(…, transposeA/transposeB), which tfjs-wasm runs several times slower than an explicit transpose followed
// by a plain matmul; at the input projection that alone cost more than the whole LSTM recurrence.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp.ts';

type Saved = tf.Tensor[];

function forward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor | null): tf.Tensor {
  return b ? tf.fused.matMul({ a: x, b: w, bias: b }) : tf.matMul(x, w);
}
const gradX = (dy: tf.Tensor2D, w: tf.Tensor2D) => tf.matMul(dy, tf.transpose(w));
const gradW = (dy: tf.Tensor2D, x: tf.Tensor2D) => tf.matMul(tf.transpose(x), dy);
// A column sum as a matmul with a row of ones: tfjs-wasm's axis-0 sum transposes first and is ~10× slower.
const gradB = (dy: tf.Tensor2D) => tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]);

const withBias = customOp((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  const gradFunc = (dy: tf.Tensor, [xs, ws]: Saved) => [gradX(dy as tf.Tensor2D, ws as tf.Tensor2D), gradW(dy as tf.Tensor2D, xs as tf.Tensor2D), gradB(dy as tf.Tensor2D)];
  return { value: forward(x as tf.Tensor2D, w as tf.Tensor2D, b), gradFunc };
});

const withoutBias = customOp((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  const gradFunc = (dy: tf.Tensor, [xs, ws]: Saved) => [gradX(dy as tf.Tensor2D, ws as tf.Tensor2D), gradW(dy as tf.Tensor2D, xs as tf.Tensor2D)];
  return { value: forward(x as tf.Tensor2D, w as tf.Tensor2D, null), gradFunc };
});

/** For an input that carries no gradient (the data): x is closed over, so its gradient is never computed. */
function onConstantInput(x: tf.Tensor2D) {
  return customOp((w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    const gradFunc = (dy: tf.Tensor, [xs]: Saved) => [gradW(dy as tf.Tensor2D, xs as tf.Tensor2D), gradB(dy as tf.Tensor2D)];
    return { value: forward(x, w as tf.Tensor2D, b), gradFunc };
  });
}

/**
 * y = x·w (+ b) over the last axis of x (any rank ≥ 2). `constantInput`: x is model input data that needs no
 * gradient (requires a bias), which saves the dx matmul.
 */
export function dense<T extends tf.Tensor>(x: T, w: tf.Tensor2D, b: tf.Tensor1D | null, constantInput = false): T {
  const [inDim, outDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  let y: tf.Tensor;
  if (constantInput && b) y = onConstantInput(x2)(w, b);
  else y = b ? withBias(x2, w, b) : withoutBias(x2, w);
  return tf.reshape(y, [...lead, outDim]) as T;
}

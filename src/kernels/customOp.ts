// A typed wrapper around tf.customGrad: an op whose forward runs off the autodiff tape and whose backward is
// written by hand. (tf.customGrad's own typing takes `...inputs: (Tensor | GradSaveFunc)[]`, which rejects
// functions with named tensor parameters.)
import * as tf from '@tensorflow/tfjs';

export type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export function customOp<A extends tf.Tensor[]>(f: (...args: [...A, tf.GradSaveFunc]) => { value: tf.Tensor; gradFunc: GradFunc }): (...args: A) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: A) => tf.Tensor;
}

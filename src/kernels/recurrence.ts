// What the fused recurrences (lstmSequence.ts, gruSequence.ts) share: the state one step back, and the choice per
// position between two recurrent kernels side by side (the encoder–decoder's, which switch where a session's
// known half ends). Stacks are time-major, [T, B, ·].
import * as tf from '@tensorflow/tfjs';

/** Shifts a [T, B, H] stack one step later along T, with zeros at t = 0 (the initial state). */
export function previousSteps(stack: tf.Tensor3D): tf.Tensor3D {
  const [T, B, H] = stack.shape;
  if (T === 1) return tf.zeros([1, B, H]);
  return tf.concat([tf.zeros([1, B, H]), tf.slice(stack, [0, 0, 0], [T - 1, B, H])], 0);
}

/**
 * K recurrent kernels side by side, [H, G·K]: one (K = 1, and both functions are the identity), or two with
 * `first` [B, T, 1] choosing per position — the first where it is 1, the second where 0.
 */
export interface KernelSwitch {
  /** Step t's products with every kernel [B, G·K] → the chosen kernel's [B, G]. */
  choose(both: tf.Tensor2D, t: number): tf.Tensor2D;
  /** The gradient at step t's chosen products [B, G] → at every kernel's [B, G·K] (zeros for the other). */
  spread(d: tf.Tensor2D, t: number): tf.Tensor2D;
}

/** Call it in the forward pass with `first`, and again in the backward pass with the saved copy of it. */
export function kernelSwitch(first: tf.Tensor | null): KernelSwitch {
  if (!first) return { choose: (both) => both, spread: (d) => d };
  const ones = tf.unstack(tf.transpose(first, [1, 0, 2])) as tf.Tensor2D[]; // T × [B, 1]
  const twos = ones.map((k) => tf.sub(1, k) as tf.Tensor2D);
  return {
    choose(both, t) {
      const [one, two] = tf.split(both, 2, 1);
      return tf.add(tf.mul(one, ones[t]), tf.mul(two, twos[t]));
    },
    spread: (d, t) => tf.concat([tf.mul(d, ones[t]), tf.mul(d, twos[t])], 1) as tf.Tensor2D,
  };
}

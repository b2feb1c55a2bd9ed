// Seeded dropout: each call site gets its own seed derived from (dropoutSeed, site name), so a training step is
// repeatable bit for bit and adding a dropout site does not change the masks of the others. The masks themselves
// come from kernels/dropoutMask.ts, the same rule the native engine computes, keyed by the position in the
// whole batch: a slice starting at sequence `rowOffset` gets its part of the batch's mask.
import * as tf from '@tensorflow/tfjs';
import { dropoutMask } from '../kernels/dropoutMask.ts';
import { Rng } from '../util/rng.ts';

export type DropoutFn = <T extends tf.Tensor>(x: T, site: string) => T;

/** The dropout site of the encoder's output (both models). */
export const INPUT_DROPOUT_SITE = 'input';

/** The seed of one dropout site in one step. */
export function siteSeed(dropoutSeed: number, site: string): number {
  return Rng.derive(dropoutSeed, 'dropout', site).state;
}

export function makeDropout(training: boolean, rate: number, seed: number, rowOffset = 0): DropoutFn {
  if (!training || rate <= 0) return (x) => x;
  return <T extends tf.Tensor>(x: T, site: string) => {
    const perRow = x.size / x.shape[0];
    const mask = dropoutMask(x.size, rowOffset * perRow, siteSeed(seed, site), rate);
    return tf.mul(x, tf.tensor(mask, x.shape, 'float32')) as T;
  };
}

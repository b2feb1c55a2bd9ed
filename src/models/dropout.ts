// Seeded dropout: each call site gets its own stream derived from (dropoutSeed, site name), so a training step is
// repeatable bit for bit, and adding a dropout site does not change the masks of the others.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.ts';

export type DropoutFn = <T extends tf.Tensor>(x: T, site: string) => T;

export function makeDropout(training: boolean, rate: number, seed: number): DropoutFn {
  if (!training || rate <= 0) return (x) => x;
  return <T extends tf.Tensor>(x: T, site: string) => tf.dropout(x, rate, undefined, Rng.derive(seed, 'dropout', site).state) as T;
}

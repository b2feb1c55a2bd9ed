// The named trainable variables of a model, in creation order. Names are the model's own (stable across runs and
// processes, used by checkpoints); the tf.Variable's internal name is left to tfjs, because tfjs names must be
// unique per process and several models (tests, evaluation beside training) can live side by side.
import * as tf from '@tensorflow/tfjs';
import { initialValues, type Init } from './init.ts';

export class ParamStore {
  readonly variables = new Map<string, tf.Variable>();

  constructor(private readonly seed: number) {}

  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.variables.has(name)) throw new Error(`duplicate parameter name '${name}'`);
    const values = initialValues(shape, init, this.seed, name);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
    this.variables.set(name, v);
    return v;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

/** Where each weight sits in the flat vector of all weights in the map's order (gradient threads, the native engine). */
export function flatLayout(weights: ReadonlyMap<string, tf.Variable>): Map<string, { offset: number; size: number; shape: number[] }> {
  const out = new Map<string, { offset: number; size: number; shape: number[] }>();
  let offset = 0;
  for (const [name, v] of weights) {
    out.set(name, { offset, size: v.size, shape: v.shape });
    offset += v.size;
  }
  return out;
}

/** Every weight copied into `out` (or a new vector), back to back in the map's order. */
export async function readFlatWeights(weights: ReadonlyMap<string, tf.Variable>, out?: Float32Array): Promise<Float32Array> {
  let total = 0;
  for (const v of weights.values()) total += v.size;
  const flat = out ?? new Float32Array(total);
  let offset = 0;
  for (const v of weights.values()) {
    flat.set((await v.data()) as Float32Array, offset);
    offset += v.size;
  }
  return flat;
}

/** The inverse of readFlatWeights: each weight takes its run of `flat`. */
export function writeFlatWeights(weights: ReadonlyMap<string, tf.Variable>, flat: Float32Array): void {
  tf.tidy(() => {
    let offset = 0;
    for (const v of weights.values()) {
      v.assign(tf.tensor(flat.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
  });
}

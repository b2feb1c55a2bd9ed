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

// Adam (with optional decoupled weight decay, i.e. AdamW) over a model's named variables, written with tf ops so
// its whole state — step count and the two moment estimates — can be exported to typed arrays and restored exactly.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW), applied to matrices only (biases and gains stay free). */
  weightDecay?: number;
}

/** Weight decay applies to matrices only: biases and gains stay free. */
export function takesWeightDecay(shape: readonly number[]): boolean {
  return shape.length >= 2;
}

/** Everything needed to continue optimisation bit-for-bit: the step count and m, v per variable name. */
export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class Adam {
  /** Optimizer steps taken so far (the bias correction depends on it). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    opts: AdamOptions = {},
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    for (const [name, variable] of variables) {
      this.m.set(name, tf.variable(tf.zerosLike(variable), false));
      this.v.set(name, tf.variable(tf.zerosLike(variable), false));
    }
  }

  /** One update with the given gradients (keyed like `variables`; missing ones are treated as zero). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this;
    const correction1 = 1 - Math.pow(beta1, this.step);
    const correction2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      for (const [name, variable] of this.variables) {
        const grad = grads.get(name);
        if (!grad) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(m.mul(beta1).add(grad.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(grad.square().mul(1 - beta2)));
        const mHat = m.div(correction1);
        const vHat = v.div(correction2);
        let next = variable.sub(mHat.div(vHat.sqrt().add(epsilon)).mul(lr));
        if (weightDecay > 0 && takesWeightDecay(variable.shape)) next = next.sub(variable.mul(lr * weightDecay));
        variable.assign(next);
      }
    });
  }

  async exportState(): Promise<AdamState> {
    const read = async (vars: Map<string, tf.Variable>) => {
      const out = new Map<string, Float32Array>();
      for (const [name, t] of vars) out.set(name, Float32Array.from((await t.data()) as Float32Array));
      return out;
    };
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  /** Restores a state from exportState(); every variable must be present with the same size. */
  importState(state: AdamState, where = 'optimizer state'): void {
    const write = (vars: Map<string, tf.Variable>, values: Map<string, Float32Array>, kind: string) => {
      for (const [name, variable] of vars) {
        const data = values.get(name);
        if (!data || data.length !== variable.size) {
          throw new UserError(`${where}: Adam ${kind} for '${name}' is missing or has the wrong size`);
        }
        variable.assign(tf.tensor(data, variable.shape, 'float32'));
      }
    };
    tf.tidy(() => {
      write(this.m, state.m, 'm');
      write(this.v, state.v, 'v');
    });
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * Scales gradients so their global L2 norm is at most maxNorm (0 = no clipping), on the device: nothing is read
 * back. Returns new tensors (the caller disposes them, the inputs and `norm`) and the norm before clipping.
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const names = [...grads.keys()];
  const [norm, ...clipped] = tf.tidy(() => {
    // A concat of the per-tensor sums, not an AddN: one AddN binds every input at once, more storage buffers than
    // a GPU allows for the Transformer's ~33 gradients; concat splits itself within the device's limit.
    const squares = [...grads.values()].map((g) => g.square().sum().reshape([1]));
    const norm = squares.length ? tf.concat(squares).sum().sqrt() : tf.scalar(0);
    const scale = maxNorm > 0 ? tf.where(norm.greater(maxNorm), tf.div(maxNorm, norm.add(1e-6)), tf.scalar(1)) : tf.scalar(1);
    return [norm, ...[...grads.values()].map((g) => g.mul(scale))];
  });
  return { grads: new Map(names.map((name, i) => [name, clipped[i]])), norm: norm as tf.Scalar };
}

// Data-parallel training on worker threads. Each step: the trainer writes the current weights into shared memory,
// every worker computes the gradient of its slice of the batch (loss divided by the whole batch's denominator),
// and the trainer adds the slices' gradients in worker order — a fixed order, so a run is repeatable for a given
// worker count — then clips and takes one Adam step itself. The optimizer state and the weights of record live
// only on the trainer's thread, so checkpoints and exact resume work as with one thread.
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../config/schema.ts';
import type { Batch } from '../../data/types.ts';
import { startTsWorker } from '../../data/parallel/reader.ts';
import { Rng } from '../../util/rng.ts';
import { lossDenominator, lossWeights, type TrainableModel } from '../loss.ts';
import type { Adam } from '../optimizer.ts';
import { applyUpdate, type StepOptions, type StepResult } from '../step.ts';
import type { FromGradientWorker, ToGradientWorker } from './protocol.ts';
import { sliceBatch, sliceRanges } from './slice-batch.ts';

/** One gradient thread and the reply it owes (at most one step is in flight per worker). */
class GradientWorker {
  private pending: { resolve: (m: FromGradientWorker) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  readonly grads: Float32Array;

  constructor(
    private readonly worker: Worker,
    gradBuffer: SharedArrayBuffer,
  ) {
    this.grads = new Float32Array(gradBuffer);
    worker.on('message', (m: FromGradientWorker) => {
      const p = this.pending;
      this.pending = null;
      if (m.kind === 'error') {
        const e = new Error(`gradient worker failed: ${m.message}`);
        e.stack = m.stack;
        p?.reject(e);
      } else p?.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.pending?.reject(e);
      this.pending = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`gradient worker exited (code ${code})`)));
  }

  request(m: ToGradientWorker): Promise<FromGradientWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class GradientPool {
  private readonly weights: Float32Array;

  private constructor(
    /** The trainer's weights by name, in the model's order (the shared vectors' layout). */
    private readonly variables: [string, tf.Variable][],
    private readonly workers: GradientWorker[],
    weightBuffer: SharedArrayBuffer,
  ) {
    this.weights = new Float32Array(weightBuffer);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts `count` threads, each building the same model on `backend`; resolves once all are ready. */
  static async start(count: number, model: TrainableModel & { config: ModelConfig; inputFeatures: number }, backend: 'wasm' | 'cpu'): Promise<GradientPool> {
    const variables = [...model.weights];
    const layout = [...model.weights].map(([name, v]) => ({ name, size: v.size }));
    const bytes = layout.reduce((n, l) => n + l.size, 0) * 4;
    const weightBuffer = new SharedArrayBuffer(bytes);
    const workers = Array.from({ length: count }, () => {
      const grads = new SharedArrayBuffer(bytes);
      return new GradientWorker(startTsWorker(new URL('./gradient-worker.ts', import.meta.url)), grads);
    });
    const pool = new GradientPool(variables, workers, weightBuffer);
    try {
      await Promise.all(
        workers.map((w) =>
          w.request({ kind: 'init', init: { backend, model: model.config, inputFeatures: model.inputFeatures, layout, weights: weightBuffer, grads: (w.grads.buffer as SharedArrayBuffer) } }),
        ),
      );
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * The trainer's step with the forward and backward pass spread over the workers: same objective, clipping and
   * Adam update as trainStep; the gradient equals the whole batch's up to float rounding.
   */
  async step(optimizer: Adam, batch: Batch, opts: StepOptions): Promise<StepResult> {
    let offset = 0;
    for (const [, v] of this.variables) {
      this.weights.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    const denominator = lossDenominator(lossWeights(batch, opts.knownWeight));
    const ranges = sliceRanges(batch.size, this.workers.length);
    const replies = await Promise.all(
      ranges.map(([start, end], k) =>
        this.workers[k].request({
          kind: 'step',
          batch: sliceBatch(batch, start, end),
          opts: {
            auxWeight: opts.auxWeight,
            knownWeight: opts.knownWeight ?? 0,
            // Each slice gets its own dropout masks; slice 0 keeps the step's seed.
            dropoutSeed: k === 0 ? opts.dropoutSeed : Rng.derive(opts.dropoutSeed, 'slice', k).state,
            denominator,
          },
        }),
      ),
    );
    const sum = Float32Array.from(this.workers[0].grads);
    for (let k = 1; k < ranges.length; k++) {
      const g = this.workers[k].grads;
      for (let i = 0; i < sum.length; i++) sum[i] += g[i];
    }
    const result = { loss: 0, correct: 0, count: 0, gradNorm: 0 };
    for (const r of replies) {
      if (r.kind !== 'done') throw new Error(`gradient worker answered '${r.kind}' to a step`);
      result.loss += r.loss;
      result.correct += r.correct;
      result.count += r.count;
    }
    const grads = new Map<string, tf.Tensor>();
    offset = 0;
    for (const [name, v] of this.variables) {
      grads.set(name, tf.tensor(sum.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
    try {
      result.gradNorm = applyUpdate(optimizer, grads, opts);
    } finally {
      tf.dispose([...grads.values()]);
    }
    return result;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

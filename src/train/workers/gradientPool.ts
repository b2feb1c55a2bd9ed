// Data-parallel training on worker threads. Each step the batch is cut into one slice per thread: the trainer's
// own thread computes the gradient of the first slice while each gradient worker computes one of the others (every
// slice's loss divided by the whole batch's denominator, so the gradients add up to the batch's). The trainer adds
// them in slice order — a fixed order, so a run is repeatable for a given thread count — then clips and takes one
// Adam step. The optimizer state and the weights of record live only on the trainer's thread (workers get the
// weights through shared memory before each step), so checkpoints and exact resume work as with one thread.
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/format/types.ts';
import { siblingModule, startWorker } from '../../util/threads.ts';
import { predictProbabilities, type SkipModel } from '../../models/model.ts';
import { readFlatWeights } from '../../models/params.ts';
import { lossDenominator, lossWeights } from '../loss.ts';
import { sliceGradient, type SliceOptions } from './sliceGradient.ts';
import type { Adam } from '../optimizer.ts';
import { applyUpdate, type StepOptions, type StepResult } from '../step.ts';
import type { FromGradientWorker, ToGradientWorker } from './protocol.ts';
import { sliceBatch, sliceRanges } from './sliceBatch.ts';

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
  /** The gradient sum; the trainer's own slice is written here first. */
  private readonly sum: Float32Array;
  /** Whether the workers hold the current weights (a step changes them; predictions then reload them once). */
  private workersCurrent = false;
  /** Milliseconds each thread has spent computing gradients (the trainer's thread first), for busy reports. */
  readonly busyMs: number[];

  private constructor(
    private readonly model: SkipModel,
    private readonly workers: GradientWorker[],
    weightBuffer: SharedArrayBuffer,
  ) {
    this.weights = new Float32Array(weightBuffer);
    this.sum = new Float32Array(this.weights.length);
    this.busyMs = [0, ...workers.map(() => 0)];
  }

  /** Gradient threads, the trainer's own included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Starts threads − 1 workers, each building the same model on `backend`; resolves once all are ready. */
  static async start(threads: number, model: SkipModel, backend: 'wasm' | 'cpu'): Promise<GradientPool> {
    const layout = [...model.weights].map(([name, v]) => ({ name, size: v.size }));
    const bytes = layout.reduce((n, l) => n + l.size, 0) * 4;
    const weightBuffer = new SharedArrayBuffer(bytes);
    const workers = Array.from({ length: threads - 1 }, () => new GradientWorker(startWorker(siblingModule(import.meta.url, 'gradientWorker')), new SharedArrayBuffer(bytes)));
    const pool = new GradientPool(model, workers, weightBuffer);
    try {
      await Promise.all(
        workers.map((w) =>
          w.request({ kind: 'init', init: { backend, model: model.config, aux: model.aux, inputFeatures: model.inputFeatures, layout, weights: weightBuffer, grads: w.grads.buffer as SharedArrayBuffer } }),
        ),
      );
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * The trainer's step with the forward and backward pass spread over the threads: same objective, clipping and
   * Adam update as trainStep; the gradient equals the whole batch's up to float rounding.
   */
  async step(optimizer: Adam, batch: Batch, opts: StepOptions): Promise<StepResult> {
    const started = performance.now();
    await this.shareWeights();
    this.workersCurrent = false;
    const denominator = lossDenominator(lossWeights(batch, opts.knownWeight));
    // Every slice takes its part of the whole batch's dropout masks, so the masks do not depend on the thread count.
    const sliceOpts = (start: number): SliceOptions => ({
      knownWeight: opts.knownWeight ?? 0,
      dropoutSeed: opts.dropoutSeed,
      dropoutRowOffset: start,
      denominator,
    });
    const [first, ...rest] = sliceRanges(batch.size, this.threads);
    const replies = Promise.all(rest.map(([start, end], i) => this.workers[i].request({ kind: 'step', batch: sliceBatch(batch, start, end), opts: sliceOpts(start) })));
    const own = await sliceGradient(this.model, sliceBatch(batch, first[0], first[1]), sliceOpts(first[0]), this.sum);
    let mainMs = performance.now() - started;
    const totals = { ...own };
    for (const [i, r] of (await replies).entries()) {
      if (r.kind !== 'done') throw new Error(`gradient worker answered '${r.kind}' to a step`);
      this.busyMs[i + 1] += r.ms;
      totals.loss += r.loss;
      totals.correct += r.correct;
      totals.count += r.count;
      totals.auxLosses = totals.auxLosses.map((x, k) => x + r.auxLosses[k]);
    }
    const resumed = performance.now();
    const sum = this.sum;
    for (let i = 0; i < rest.length; i++) {
      const g = this.workers[i].grads;
      for (let j = 0; j < sum.length; j++) sum[j] += g[j];
    }
    const grads = new Map<string, tf.Tensor>();
    let offset = 0;
    for (const [name, v] of this.model.weights) {
      grads.set(name, tf.tensor(sum.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
    let gradNorm: tf.Scalar;
    try {
      gradNorm = applyUpdate(optimizer, grads, opts);
    } finally {
      tf.dispose([...grads.values()]);
    }
    mainMs += performance.now() - resumed;
    this.busyMs[0] += mainMs;
    // The same shape as trainStep's result (scalars the trainer reads at log time).
    return { loss: tf.scalar(totals.loss), correct: tf.scalar(totals.correct), count: tf.scalar(totals.count), gradNorm, auxLosses: tf.tensor1d(totals.auxLosses) };
  }

  /** σ(logits) of every position, like predictProbabilities, with the batch's sessions spread over the threads. */
  async predict(batch: Batch): Promise<Float32Array> {
    const loadWeights = !this.workersCurrent;
    if (loadWeights) await this.shareWeights();
    this.workersCurrent = true;
    const [first, ...rest] = sliceRanges(batch.size, this.threads);
    const replies = Promise.all(rest.map(([start, end], i) => this.workers[i].request({ kind: 'predict', batch: sliceBatch(batch, start, end), loadWeights })));
    const out = new Float32Array(batch.size * batch.seqLen);
    out.set(await predictProbabilities(this.model, sliceBatch(batch, first[0], first[1])), 0);
    for (const [i, r] of (await replies).entries()) {
      if (r.kind !== 'probabilities') throw new Error(`gradient worker answered '${r.kind}' to a prediction`);
      out.set(r.values, rest[i][0] * batch.seqLen);
    }
    return out;
  }

  /** The trainer's current weights into shared memory, for the workers to load. */
  private async shareWeights(): Promise<void> {
    await readFlatWeights(this.model.weights, this.weights);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// The trainer's step on the WebGPU engine (src/kernels/webgpu): forward, loss, backward, clipping and the Adam
// update of one batch as one command buffer, submitted without waiting. The weights and Adam's moments live on the
// GPU between steps (the model's tf.Variables and the Adam object are not touched by a step); sync() reads them
// back before anything reads those (checkpoints, histograms). At most two steps are in flight, so a trainer that
// builds batches faster than the GPU takes them does not queue up uploads without end.
import type { Batch } from '../../data/format/types.ts';
import type { GpuEngine } from '../../kernels/webgpu/engine.ts';
import type { Precision } from '../../kernels/engine.ts';
import type { SkipModel } from '../../models/model.ts';
import { createGpuEngine, engineBatch, trainingPass } from '../../models/engineModel.ts';
import { flatLayout, readFlatWeights, writeFlatWeights } from '../../models/params.ts';
import { lossDenominator, lossWeights } from '../loss.ts';
import { takesWeightDecay, type Adam } from '../optimizer.ts';
import type { PendingStep, StepOptions, Stepper } from '../step.ts';

const IN_FLIGHT = 2;

export class GpuStepper implements Stepper {
  readonly backend = 'webgpu';
  readonly workers = 1;
  private busy = 0;
  private inFlight: Promise<unknown>[] = [];

  private constructor(
    private readonly model: SkipModel,
    private readonly optimizer: Adam,
    readonly engine: GpuEngine,
  ) {}

  /** An engine holding the model's current weights and the optimizer's current state. */
  static async create(model: SkipModel, optimizer: Adam, precision: Precision = 'f32'): Promise<GpuStepper> {
    const engine = await createGpuEngine(model, takesWeightDecay, precision);
    const state = await optimizer.exportState();
    const params = await readFlatWeights(model.weights);
    const m = new Float32Array(params.length);
    const v = new Float32Array(params.length);
    for (const [name, { offset }] of flatLayout(model.weights)) {
      m.set(state.m.get(name)!, offset);
      v.set(state.v.get(name)!, offset);
    }
    engine.writeState(params, m, v);
    return new GpuStepper(model, optimizer, engine);
  }

  async step(batch: Batch, opts: StepOptions): Promise<PendingStep> {
    if (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
    const start = performance.now();
    const weights = lossWeights(batch, opts.knownWeight);
    const o = this.optimizer;
    o.step++;
    const slot = this.engine.trainStep(engineBatch(batch, weights), trainingPass(this.model, opts.dropoutSeed, lossDenominator(weights)), {
      lr: opts.lr,
      beta1: o.beta1,
      beta2: o.beta2,
      epsilon: o.epsilon,
      weightDecay: o.weightDecay,
      clipNorm: opts.clipNorm,
      step: o.step,
    });
    this.inFlight.push(this.engine.done());
    this.busy += performance.now() - start;
    return { read: () => this.engine.readStats(slot), dispose: () => {} };
  }

  /** Dispatches of the last step (the bench's kernels per step). */
  get dispatches(): number {
    return this.engine.dispatches;
  }

  async logits(batch: Batch): Promise<Float32Array> {
    return this.engine.logits(engineBatch(batch));
  }

  async sync(): Promise<void> {
    const { params, m, v } = await this.engine.readState();
    writeFlatWeights(this.model.weights, params);
    const ms = new Map<string, Float32Array>();
    const vs = new Map<string, Float32Array>();
    for (const [name, { offset, size }] of flatLayout(this.model.weights)) {
      ms.set(name, m.subarray(offset, offset + size));
      vs.set(name, v.subarray(offset, offset + size));
    }
    this.optimizer.importState({ step: this.optimizer.step, m: ms, v: vs });
  }

  busyMs(): number[] {
    return [this.busy];
  }

  async dispose(): Promise<void> {
    await Promise.all(this.inFlight);
    this.engine.destroy();
  }
}

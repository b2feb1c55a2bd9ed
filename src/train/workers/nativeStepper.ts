// The trainer's step on the native engine (src/kernels/native): forward, loss, backward, clipping and the Adam
// update of one batch in ONE call, threaded inside the engine. The weights and Adam's moments live in flat vectors
// here between steps (the model's tf.Variables and the Adam object are not touched by a step); sync() writes them
// back before anything reads those (checkpoints, histograms).
import type { Batch } from '../../data/format/types.ts';
import type { NativeEngine } from '../../kernels/native.ts';
import type { SkipModel } from '../../models/model.ts';
import { createNativeEngine, engineBatch, trainingPass } from '../../models/engineModel.ts';
import { flatLayout, readFlatWeights, writeFlatWeights } from '../../models/params.ts';
import { lossDenominator, lossWeights } from '../loss.ts';
import { takesWeightDecay, type Adam } from '../optimizer.ts';
import { settledStep, type PendingStep, type StepOptions, type Stepper } from '../step.ts';

export class NativeStepper implements Stepper {
  readonly backend = 'native';
  private busy = 0;

  private constructor(
    private readonly model: SkipModel,
    private readonly optimizer: Adam,
    private readonly engine: NativeEngine,
    private readonly params: Float32Array,
    private readonly m: Float32Array,
    private readonly v: Float32Array,
  ) {}

  /** An engine on `threads` threads holding the model's current weights and the optimizer's current state. */
  static async create(model: SkipModel, optimizer: Adam, threads: number): Promise<NativeStepper> {
    const engine = createNativeEngine(model, threads, takesWeightDecay);
    const params = await readFlatWeights(model.weights);
    const state = await optimizer.exportState();
    const m = new Float32Array(params.length);
    const v = new Float32Array(params.length);
    for (const [name, { offset }] of flatLayout(model.weights)) {
      m.set(state.m.get(name)!, offset);
      v.set(state.v.get(name)!, offset);
    }
    return new NativeStepper(model, optimizer, engine, params, m, v);
  }

  get workers(): number {
    return this.engine.threads;
  }

  /** The instruction set the engine runs ('avx2' or 'generic'). */
  get isa(): string {
    return this.engine.isa;
  }

  async step(batch: Batch, opts: StepOptions): Promise<PendingStep> {
    const start = performance.now();
    const weights = lossWeights(batch, opts.knownWeight);
    const o = this.optimizer;
    o.step++;
    const r = this.engine.trainStep(this.params, this.m, this.v, engineBatch(batch, weights), trainingPass(this.model, opts.dropoutSeed, lossDenominator(weights)), {
      lr: opts.lr,
      beta1: o.beta1,
      beta2: o.beta2,
      epsilon: o.epsilon,
      weightDecay: o.weightDecay,
      clipNorm: opts.clipNorm,
      step: o.step,
    });
    this.busy += performance.now() - start;
    return settledStep(r);
  }

  /** Milliseconds per phase of the engine since the last call (kernels/native.ts, NATIVE_PHASES). */
  phases(): Record<string, number> {
    return this.engine.phases();
  }

  async logits(batch: Batch): Promise<Float32Array> {
    return this.engine.logits(this.params, engineBatch(batch));
  }

  async sync(): Promise<void> {
    writeFlatWeights(this.model.weights, this.params);
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [name, { offset, size }] of flatLayout(this.model.weights)) {
      m.set(name, this.m.subarray(offset, offset + size));
      v.set(name, this.v.subarray(offset, offset + size));
    }
    this.optimizer.importState({ step: this.optimizer.step, m, v });
  }

  busyMs(): number[] {
    return [this.busy];
  }

  async dispose(): Promise<void> {}
}

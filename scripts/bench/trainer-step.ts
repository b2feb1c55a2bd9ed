// The trainer's own step, timed: the model built from a shipped config with the real input width, the trainer's
// Adam, clipping, auxiliary and known-half losses, through the same Stepper `train` uses (the native engine, one
// thread, or gradient workers). Also how busy each thread is while stepping, and how many kernels one step runs:
// tfjs kernels (tf.profile), or calls into the native engine.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { knownRows } from '../../src/data/format/challenge.ts';
import { inputFeatureCount } from '../../src/data/batch/features.ts';
import type { Batch } from '../../src/data/format/types.ts';
import type { Precision } from '../../src/kernels/engine.ts';
import { nativeCalls } from '../../src/kernels/native.ts';
import { createModel } from '../../src/models/model.ts';
import { auxTargetsOf, REASON_END_CLASSES } from '../../src/models/auxTargets.ts';
import { lossDenominator, lossWeights } from '../../src/train/loss.ts';
import { Adam } from '../../src/train/optimizer.ts';
import { learningRate } from '../../src/train/schedule.ts';
import type { PendingStep, Stepper } from '../../src/train/step.ts';
import { sliceGradient } from '../../src/train/workers/sliceGradient.ts';
import { sliceBatch, sliceRanges } from '../../src/train/workers/sliceBatch.ts';
import { GpuStepper } from '../../src/train/workers/gpuStepper.ts';
import { NativeStepper } from '../../src/train/workers/nativeStepper.ts';
import { createStepper } from '../../src/train/workers/stepper.ts';
import { Rng } from '../../src/util/rng.ts';

export interface TrainerRow {
  model: string;
  /** The config the shape comes from ('lstm-synth' with hidden 64, 'lstm-synth', 'lstm', …). */
  config: string;
  step: 'trainer';
  /** The backend that ran the step: 'native', or the tfjs backend. */
  backend: string;
  batch: number;
  seqLen: number;
  features: number;
  hidden: number;
  layers: number;
  /** Track-embedding rows (0 = none). */
  buckets: number;
  workers: number;
  seqPerSec: number;
  msPerStep: number;
  /** Kernels one step runs: tfjs kernels on every thread, calls into the native engine, or GPU dispatches. */
  kernels: number;
  /** For webgpu: the GPU adapter (a CPU one, lavapipe, gives correctness and dispatch counts, not speed). */
  adapter?: string;
  /** How activations are stored (train.precision): f16 on webgpu only. */
  precision: Precision;
  /** For webgpu: the activation buffer of this batch, MB (what f16 halves). */
  activationMB?: number;
}

export interface BusyRow {
  model: string;
  step: 'trainer-busy';
  backend: string;
  batch: number;
  hidden: number;
  workers: number;
  /** Fraction of wall time each thread spent stepping: [trainer thread, worker 1, …] (wall clock, so a loaded
   * machine inflates it). The trainer thread's share includes its slice, the weight copy, gradient sum and Adam. */
  busy: number[];
  /** CPU time of the whole process (every thread) per sequence, µs: what parallelism costs in work, which a loaded
   * machine distorts far less than wall-clock throughput. */
  cpuUsPerSeq: number;
}

/** Where the native engine's step time goes, ms per step and phase (kernels/native.ts, NATIVE_PHASES). */
export interface PhasesRow {
  model: string;
  config: string;
  step: 'trainer-phases';
  backend: 'native';
  batch: number;
  hidden: number;
  workers: number;
  msPerStep: Record<string, number>;
}

export interface TrainerShape {
  /** 'lstm' | 'transformer' */
  name: string;
  /** Where the shape comes from, for the rows. */
  label: string;
  config: Config;
}

/**
 * The shapes measured: the reference H=64 at B=64 and 512 (or `batches`), each shipped synth config as it is, and the shipped
 * full-data configs (`lstm.yaml`: B=512, H=128, 2 layers; `transformer.yaml`: B=512, H=128, 3 layers, ff 512; both
 * with a 262,144 × 16 track embedding).
 */
export function trainerShapes(models: readonly string[] = ['lstm', 'transformer'], batches: readonly number[] = [64, 512]): TrainerShape[] {
  const out: TrainerShape[] = [];
  const types = (['lstm', 'transformer'] as const).filter((type) => models.includes(type));
  for (const type of types) {
    const shipped = loadConfig(`${type}-synth`);
    for (const B of batches) out.push({ name: type, label: `${type}-synth H=64`, config: loadConfig(`${type}-synth`, { 'model.hidden': 64, 'train.batchSize': B }) });
    if (shipped.model.hidden !== 64 || shipped.train.batchSize !== 64) out.push({ name: type, label: `${type}-synth`, config: shipped });
  }
  // The peers build an LSTM (nn.LSTM, keras LSTM): lstm.yaml's shape is timed with LSTM cells whatever its cell.
  for (const type of types) out.push({ name: type, label: type, config: loadConfig(type, type === 'lstm' ? { 'model.cell': 'lstm' } : {}) });
  return out;
}

export interface TrainerRowsOptions {
  models?: readonly string[];
  /** Batch sizes of the reference H=64 shapes (trainerShapes). */
  batches?: readonly number[];
  /** Thread counts to measure (backends that use one thread take [1]). */
  workers: readonly number[];
  budgetMs: number;
  /** Shapes with a larger batch are left out (a slow backend). */
  maxBatch?: number;
  /** For webgpu: the adapter, written into each trainer row. */
  adapter?: string;
  /** Activation storage to measure (webgpu with shader-f16: both). */
  precisions?: readonly Precision[];
}

/** Every trainer row of the active backend: each shape at each thread count, each row announced first. */
export async function trainerRows(active: string, o: TrainerRowsOptions, emit: (row: object) => void, announce: (row: string) => void = () => {}): Promise<void> {
  for (const shape of trainerShapes(o.models, o.batches)) {
    if (shape.config.train.batchSize > (o.maxBatch ?? Infinity)) continue;
    for (const workers of o.workers) {
      for (const precision of o.precisions ?? ['f32']) {
        announce(`trainer ${shape.label} B=${shape.config.train.batchSize} workers=${workers} ${precision}`);
        for (const row of await measureTrainerStep(shape, active, workers, o.budgetMs, precision)) emit(row.step === 'trainer' && o.adapter ? { ...row, adapter: o.adapter } : row);
      }
    }
  }
}

/** A challenge-view batch with random lengths (10–20), the first ⌊L/2⌋ rows known and the rest scored (also a test fixture). */
export function challengeBatch(B: number, T: number, trackRows: number, seed = 2): Batch {
  const rng = Rng.derive(seed, 'bench-trainer-batch');
  const F = inputFeatureCount();
  const lengths = new Int32Array(B).map(() => 10 + rng.int(T - 9));
  const at = (i: number) => ({ t: i % T, len: lengths[Math.floor(i / T)] });
  const present = new Float32Array(B * T).map((_, i) => (at(i).t < at(i).len ? 1 : 0));
  const known = present.map((p, i) => (at(i).t < knownRows(at(i).len) ? p : 0));
  const bits = (n: number) => new Float32Array(n).map(() => (rng.next() < 0.5 ? 1 : 0));
  return {
    size: B,
    seqLen: T,
    features: F,
    inputs: new Float32Array(B * T * F).map(() => rng.normal()),
    trackIndex: new Int32Array(B * T).map((_, i) => (present[i] ? rng.int(trackRows) : -1)),
    mask: present.map((p, i) => p * (1 - known[i])),
    labels: bits(B * T),
    auxLabels: bits(B * T * 4),
    reasonEnd: new Int32Array(B * T).map((_, i) => (present[i] ? rng.int(REASON_END_CLASSES) : -1)),
    present,
    known,
    sessionIds: Array.from({ length: B }, (_, b) => `s${b}`),
    lengths,
  };
}

/** Worker counts to measure: 1, 2, 4, … up to the cores (at least 1 and 2). */
export function workerCounts(): number[] {
  const out = [1];
  for (let n = 2; n <= Math.max(2, availableParallelism()); n *= 2) out.push(n);
  return out;
}

export async function measureTrainerStep(shape: TrainerShape, backend: string, workers: number, budgetMs: number, precision: Precision = 'f32'): Promise<(TrainerRow | BusyRow | PhasesRow)[]> {
  const T = 20;
  const { config, name } = shape;
  const t = config.train;
  const B = t.batchSize;
  const model = createModel(config.model, inputFeatureCount(), t.seed, auxTargetsOf(config));
  const optimizer = new Adam(model.weights, { weightDecay: t.weightDecay });
  const stepper = await createStepper(model, optimizer, workers, precision);
  const batch = challengeBatch(B, T, config.data.synth.tracks);
  let n = 0;
  const options = () => ({ lr: learningRate(n, t, 10_000), clipNorm: t.clipNorm, knownWeight: t.knownWeight, dropoutSeed: n++ });
  // A GPU step returns once submitted: the timing ends when the last step's statistics can be read.
  let last: PendingStep | null = null;
  const step = async () => {
    last?.dispose();
    last = await stepper.step(batch, options());
  };
  const settle = async () => {
    await last?.read();
    last = null;
  };
  try {
    await step(); // warm-up: kernel setup, Adam slots, heap growth, worker start
    await step();
    await settle();
    let steps = 0;
    const native = stepper instanceof NativeStepper ? stepper : null;
    native?.phases(); // from here on
    const busyStart = stepper.busyMs();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    while (steps < 3 || performance.now() - start < budgetMs) {
      await step();
      steps++;
    }
    await settle();
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const cpuUsPerSeq = Math.round((cpu.user + cpu.system) / (B * steps));
    const busy = stepper.busyMs().map((ms, k) => Number(((ms - busyStart[k]) / wall).toFixed(2)));
    const phases = native ? Object.fromEntries(Object.entries(native.phases()).map(([k, ms]) => [k, Number((ms / steps).toFixed(3))])) : null;
    const kernels = await kernelsPerStep(stepper, step, () => sliceKernels(model, batch, config, stepper.workers));
    await settle();
    const common = { model: name, backend: stepper.backend, batch: B, hidden: config.model.hidden, workers: stepper.workers };
    const row: TrainerRow = {
      model: name,
      config: shape.label,
      step: 'trainer',
      backend: stepper.backend,
      batch: B,
      seqLen: T,
      features: inputFeatureCount(),
      hidden: config.model.hidden,
      layers: config.model.layers,
      buckets: config.model.trackBuckets,
      workers: stepper.workers,
      seqPerSec: Math.round((B * steps * 1000) / wall),
      msPerStep: Number((wall / steps).toFixed(2)),
      kernels,
      precision,
      ...(stepper instanceof GpuStepper ? { activationMB: Number((stepper.engine.activationBytes / 2 ** 20).toFixed(1)) } : {}),
    };
    const busyRow: BusyRow = { ...common, step: 'trainer-busy', busy, cpuUsPerSeq };
    if (!phases) return [row, busyRow];
    return [row, busyRow, { model: name, config: shape.label, step: 'trainer-phases', backend: 'native', batch: B, hidden: config.model.hidden, workers: stepper.workers, msPerStep: phases }];
  } finally {
    await stepper.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Kernels of one step. WebGPU: the dispatches of its command buffer. Native: the calls into the engine. tfjs: the trainer thread's kernels (tf.profile; its
 * slice, clipping, Adam), plus, with gradient workers, each worker's — the same graph on its own slice, counted
 * here on the first worker's slice.
 */
async function kernelsPerStep(stepper: Stepper, step: () => Promise<void>, workerSlice: () => Promise<number>): Promise<number> {
  const { backend, workers } = stepper;
  if (stepper instanceof GpuStepper) {
    await step();
    return stepper.dispatches;
  }
  if (backend === 'native') {
    const before = nativeCalls();
    await step();
    return nativeCalls() - before;
  }
  const own = (await tf.profile(step)).kernels.length;
  return workers > 1 ? own + (workers - 1) * (await workerSlice()) : own;
}

async function sliceKernels(model: ReturnType<typeof createModel>, batch: Batch, config: Config, workers: number): Promise<number> {
  const [, second] = sliceRanges(batch.size, workers);
  const slice = sliceBatch(batch, second[0], second[1]);
  const denominator = lossDenominator(lossWeights(batch, config.train.knownWeight));
  const grads = new Float32Array([...model.weights.values()].reduce((s, v) => s + v.size, 0));
  const opts = { knownWeight: config.train.knownWeight, dropoutSeed: 1, dropoutRowOffset: second[0], denominator };
  return (await tf.profile(async () => void (await sliceGradient(model, slice, opts, grads)))).kernels.length;
}

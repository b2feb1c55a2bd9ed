// One backend's rows of `npm run bench -- train`, in a process of its own (scripts/bench/train.ts starts it, so a
// crash inside one backend ends only its rows). Prints JSON lines only, each row announced first by
// {"step": "row-start", "row"} so the parent can say which row a crash interrupted:
//   "trainer" / "trainer-busy"  the trainer's own step (trainer-step.ts) for every shape and thread count
//   "micro"  training throughput (forward + backward + Adam, sequences per second) of the LSTM and the Transformer
//            at the reference shape B=64, T=20, F=40, H=64 (1-layer LSTM; 2-layer 4-head Transformer, ff = 4·H) and
//            at B=512, against baselines in the same process: the same LSTM from tf.layers.lstm, with tfjs's
//            stock slicing kernels and with ours (fastSlicing.ts), the same net on our fused recurrence, and a plain
//            gate-by-gate autodiff LSTM. tfjs backends only; kernels per time step = one step's kernels / T (NaN on
//            cpu, not counted there to save time); firstLoss must agree across backends.
//   "unavailable"  the backend cannot be selected here, and why.
// On a CPU WebGPU adapter (lavapipe, SwiftShader) only the LSTM and Transformer micro rows at B=64 run, as a
// correctness check, not a speed figure.
// Usage (train.ts starts it): node --expose-gc --import tsx scripts/bench/trainBackend.ts BACKEND '<TrainBackendArgs as JSON>'
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS, type Backend, type ModelConfig } from '../../src/config/schema.ts';
import { selectBackend } from '../../src/models/backend.ts';
import { isCpuAdapter, openedAdapter, openGpu } from '../../src/kernels/webgpu/device.ts';
import { createModel, type ModelInputs } from '../../src/models/model.ts';
import { REASON_END_CLASSES, resolveAuxTargets } from '../../src/models/auxTargets.ts';
import type { Batch } from '../../src/data/format/types.ts';
import { batchLoss, type TrainableModel } from '../../src/train/loss.ts';
import { referenceLstm } from '../../src/kernels/referenceLstm.ts';
import { dense } from '../../src/kernels/dense.ts';
import { lstmSequence } from '../../src/kernels/lstmSequence.ts';
import { setFastSlicing } from '../../src/kernels/fastSlicing.ts';
import { Rng } from '../../src/util/rng.ts';
import { numbers } from './common.ts';
import type { TrainBackendArgs } from './train.ts';
import { trainerRows, workerCounts } from './trainer-step.ts';

const backendName = process.argv[2] as Backend;
const args = JSON.parse(process.argv[3] ?? '{}') as TrainBackendArgs;
const workerList = numbers(args.workers) ?? workerCounts();
const T = 20;
const F = 40;
const H = 64;
const BUDGET_MS = args.quick ? 500 : 1500;
const BATCHES = numbers(args.batches) ?? [64, 512];

interface Row {
  model: string;
  step: 'micro';
  backend: string;
  batch: number;
  seqLen: number;
  features: number;
  hidden: number;
  seqPerSec: number;
  msPerStep: number;
  kernelsPerTimeStep: number;
  /** Loss of the first (warm-up) step: the same on every backend (a correctness check for GPU rows). */
  firstLoss: number;
  /** For webgpu: the adapter; a CPU one (lavapipe) gives correctness, not speed. */
  adapter?: string;
}

/** What a case builds: a model (anything with named weights and apply) plus a cleanup for extra tensors. */
interface Built {
  model: TrainableModel;
  dispose(): void;
}

interface Case {
  model: string;
  build(): Built;
}

/** One fixed random batch of the reference shape (labels random: we time steps, not learning). */
function randomBatch(B: number): Batch {
  const rng = Rng.derive(2, 'bench-batch');
  const ones = new Float32Array(B * T).fill(1);
  return {
    size: B,
    seqLen: T,
    features: F,
    inputs: new Float32Array(B * T * F).map(() => rng.normal()),
    trackIndex: new Int32Array(B * T).map(() => rng.int(1000)),
    mask: ones,
    labels: new Float32Array(B * T).map(() => (rng.next() < 0.5 ? 1 : 0)),
    auxLabels: new Float32Array(B * T * 4).map(() => (rng.next() < 0.5 ? 1 : 0)),
    reasonEnd: new Int32Array(B * T).map(() => rng.int(REASON_END_CLASSES)),
    present: ones,
    known: ones,
    sessionIds: Array.from({ length: B }, (_, b) => String(b)),
    lengths: new Int32Array(B).fill(T),
  };
}

/** The hand-written networks' heads: the main logit alone. */
const NO_AUX = resolveAuxTargets(undefined, 0);

/** Variables with seeded normal values, named for the weights map. */
function variables(seed: number, shapes: Record<string, number[]>): Map<string, tf.Variable> {
  const rng = Rng.derive(seed, 'bench-weights');
  const out = new Map<string, tf.Variable>();
  for (const [name, shape] of Object.entries(shapes)) {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal() * 0.1);
    out.set(name, tf.variable(tf.tensor(values, shape)));
  }
  return out;
}

function skipModelCase(name: string, cfg: Partial<ModelConfig>): Case {
  return {
    model: name,
    build() {
      const model = createModel({ ...DEFAULTS.model, dropout: 0, auxWeight: 0, hidden: H, ...cfg }, F, 1);
      return { model, dispose: () => model.dispose() };
    },
  };
}

/** input → LSTM → dense logit, from tf.layers (Keras-style): the usual way to write it in tfjs. */
const layersLstmCase: Case = {
  model: 'lstm-tf.layers',
  build() {
    const lstm = tf.layers.lstm({ units: H, returnSequences: true, inputShape: [T, F] });
    const head = tf.layers.dense({ units: 1 });
    const apply = (x: ModelInputs) => {
      const [B] = x.inputs.shape;
      return { logits: tf.reshape(head.apply(lstm.apply(x.inputs) as tf.Tensor) as tf.Tensor, [B, T]) as tf.Tensor2D, auxLogits: null, reasonEndLogits: null };
    };
    tf.tidy(() => void apply({ inputs: tf.zeros([1, T, F]), trackIndex: tf.zeros([1, T], 'int32') })); // builds the weights
    const weights = new Map([...lstm.trainableWeights, ...head.trainableWeights].map((w) => [w.name, w.read() as tf.Variable]));
    return {
      model: { weights, apply, aux: NO_AUX },
      dispose: () => {
        lstm.dispose();
        head.dispose();
      },
    };
  },
};

/** The same network as layersLstmCase on our fused recurrence and dense op: the like-for-like speedup. (The full
 * `lstm` model adds an input projection F→H before the LSTM, and its heads.) */
const fusedLstmCase: Case = {
  model: 'lstm-fused (same net as tf.layers)',
  build() {
    const w = variables(4, { wx: [F, 4 * H], wh: [H, 4 * H], b: [4 * H], wo: [H, 1], bo: [1] });
    const v = (k: string) => w.get(k)! as tf.Tensor as tf.Tensor2D;
    const apply = (x: ModelInputs) => {
      const [B] = x.inputs.shape;
      const h = lstmSequence(dense(x.inputs, v('wx'), v('b') as tf.Tensor as tf.Tensor1D, true), v('wh'));
      return { logits: tf.reshape(dense(h, v('wo'), v('bo') as tf.Tensor as tf.Tensor1D), [B, T]) as tf.Tensor2D, auxLogits: null, reasonEndLogits: null };
    };
    return { model: { weights: w, apply, aux: NO_AUX }, dispose: () => tf.dispose([...w.values()]) };
  },
};

/** A plain gate-by-gate LSTM with ordinary autodiff (what one writes first). */
const referenceLstmCase: Case = {
  model: 'lstm-plain-autodiff',
  build() {
    const w = variables(3, { wx: [F, 4 * H], wh: [H, 4 * H], b: [4 * H], wo: [H, 1] });
    const v = (k: string) => w.get(k)! as tf.Tensor as tf.Tensor2D;
    const apply = (x: ModelInputs) => {
      const [B] = x.inputs.shape;
      const h = referenceLstm(x.inputs, v('wx'), v('wh'), v('b') as tf.Tensor as tf.Tensor1D);
      return { logits: tf.reshape(tf.matMul(tf.reshape(h, [B * T, H]), v('wo')), [B, T]) as tf.Tensor2D, auxLogits: null, reasonEndLogits: null };
    };
    return { model: { weights: w, apply, aux: NO_AUX }, dispose: () => tf.dispose([...w.values()]) };
  },
};

async function measure(c: Case, backend: string, B: number, budgetMs: number, countKernels: boolean, adapter?: string): Promise<Row> {
  const built = c.build();
  const batch = randomBatch(B);
  const vars = [...built.model.weights.values()];
  const optimizer = tf.train.adam(1e-3);
  let n = 0;
  // The trainer's objective, including making the batch's tensors each step as training does.
  const step = async () => {
    const cost = tf.tidy(() => optimizer.minimize(() => batchLoss(built.model, batch, { training: true, dropoutSeed: n++ }).loss, true, vars)!);
    const [loss] = await cost.data(); // wait for the step to finish (matters on GPU backends, which cannot read synchronously)
    cost.dispose();
    return loss;
  };
  const firstLoss = await step(); // warm-up: kernel setup (shader compilation on GPU), Adam slots, heap growth
  let steps = 0;
  const start = performance.now();
  while (steps < 2 || performance.now() - start < budgetMs) {
    await step();
    steps++;
  }
  const ms = (performance.now() - start) / steps;
  const kernels = countKernels ? (await tf.profile(async () => void (await step()))).kernels.length : NaN;
  optimizer.dispose();
  built.dispose();
  return {
    model: c.model,
    step: 'micro',
    backend,
    batch: B,
    seqLen: T,
    features: F,
    hidden: H,
    seqPerSec: Math.round((B / ms) * 1000),
    msPerStep: Number(ms.toFixed(2)),
    kernelsPerTimeStep: Math.round(kernels / T),
    firstLoss: Number(firstLoss.toFixed(6)),
    ...(adapter ? { adapter } : {}),
  };
}

const emit = (row: object) => console.log(JSON.stringify(row));
const announce = (row: string) => emit({ step: 'row-start', backend: backendName, row });

const lstm = skipModelCase('lstm', { type: 'lstm', layers: 1 });
const transformer = skipModelCase('transformer', { type: 'transformer', layers: 2, heads: 4, ff: 4 * H });
let active: string | null = null;
try {
  active = (await selectBackend(backendName, () => {})).name;
} catch (e) {
  emit({ step: 'unavailable', backend: backendName, reason: String((e as Error).message ?? e) });
}
if (active) {
  // On a CPU WebGPU adapter (lavapipe, SwiftShader) the rows check correctness (first loss), not speed: keep them short.
  const gpu = active === 'webgpu' ? await openedAdapter() : null;
  const softwareGpu = gpu !== null && isCpuAdapter(gpu);
  const adapter = gpu ? `${gpu.description}${softwareGpu ? ', a CPU adapter: correctness only' : ''}` : undefined;
  // The native engine and the wasm/cpu gradient workers use several threads; other backends use their whole device from one.
  const workers = active === 'native' || active === 'wasm' || active === 'cpu' ? workerList : [1];
  // The cpu backend and a CPU WebGPU adapter take seconds per step at large batches: B=64 shows what they show.
  const maxBatch = active === 'cpu' || softwareGpu ? 64 : undefined;
  // With shader-f16, each webgpu shape also with f16 activations (train.precision).
  const precisions = active === 'webgpu' && (await openGpu()).f16 ? (['f32', 'f16'] as const) : (['f32'] as const);
  await trainerRows(active, { models: args.models?.split(','), workers, maxBatch, budgetMs: active === 'cpu' ? 0 : BUDGET_MS, adapter, precisions }, emit, announce);
  // The micro-benchmarks time tfjs kernels: the engines (native, webgpu) have none.
  if (!args.trainerOnly && active !== 'native' && active !== 'webgpu') {
    // The CPU backend is ~50× slower than wasm; its large batch would take minutes.
    const batches = active === 'cpu' || softwareGpu ? [64] : BATCHES;
    for (const B of batches) {
      const cases: [Case, boolean][] = [
        [lstm, true],
        [transformer, true],
      ];
      if (!softwareGpu && B <= 512) {
        cases.push([fusedLstmCase, true], [layersLstmCase, true], [referenceLstmCase, true]);
        cases.push([{ ...layersLstmCase, model: 'lstm-tf.layers (stock tfjs kernels)' }, false]);
      }
      for (const [c, fastSlicing] of cases) {
        if (active === 'wasm' || active === 'cpu') setFastSlicing(fastSlicing, active);
        // cpu steps take seconds: time exactly two, and skip the kernel count (the same graph as on wasm).
        const slow = active === 'cpu' || softwareGpu;
        announce(`micro ${c.model} B=${B}`);
        emit(await measure(c, active, B, slow ? 0 : BUDGET_MS, !slow, adapter));
      }
      if (active === 'wasm' || active === 'cpu') setFastSlicing(true, active);
    }
  }
}

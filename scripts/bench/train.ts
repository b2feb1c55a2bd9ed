// npm run bench -- train [--json] [--quick] [--backend NAME] [--workers 1,2,4] [--trainer-only] [--batches 64,512,4096]
// First the trainer's own step (`"step": "trainer"`, see trainer-step.ts) for the LSTM and the Transformer, for each
// worker count, with how busy each thread was (`"step": "trainer-busy"`). Then micro-benchmarks (`"step": "micro"`):
// training throughput (forward + backward + Adam update, sequences per second) of the LSTM and the Transformer on
// every installed backend, at the reference shape B=64, T=20, F=40, H=64 (1-layer LSTM; 2-layer 4-head
// Transformer, ff = 4·H) and at B=512 (--batches: other sizes; the LSTM variants below only at 64 and 512). The baselines run in the same process: the same LSTM built from
// tf.layers.lstm, with tfjs's stock slicing kernels and with ours (fastSlicing.ts), the same small network on our
// fused recurrence, and a plain gate-by-gate autodiff LSTM.
// One JSON line per model/backend/batch (--json), else a table. Also reports tfjs kernels per time step
// (all kernels of one training step / T; NaN on cpu, where it is not counted to save time), and the first step's
// loss, which must agree across backends. webgpu rows appear wherever Dawn opens an adapter; on a CPU adapter
// (lavapipe, SwiftShader) only the LSTM and Transformer at B=64 run, as a correctness check, not a speed figure.
import * as tf from '@tensorflow/tfjs';
import { BACKEND_PREFERENCE, DEFAULTS, type Backend, type ModelConfig } from '../../src/config/schema.ts';
import { selectBackend } from '../../src/models/backend.ts';
import { isCpuAdapter, openedAdapter } from '../../src/models/webgpu.ts';
import { createModel, type ModelInputs } from '../../src/models/model.ts';
import type { Batch } from '../../src/data/types.ts';
import { batchLoss, type TrainableModel } from '../../src/train/loss.ts';
import { referenceLstm } from '../../src/models/referenceLstm.ts';
import { dense } from '../../src/models/dense.ts';
import { lstmSequence } from '../../src/models/lstmSequence.ts';
import { setFastSlicing } from '../../src/models/fastSlicing.ts';
import { Rng } from '../../src/util/rng.ts';
import { benchArgs } from './common.ts';
import { measureTrainerStep, trainerShapes, workerCounts, type BusyRow, type TrainerRow } from './trainer-step.ts';

const { flag, option } = benchArgs('train');
const json = flag('json');
const quick = flag('quick');
const onlyBackend = option('backend') as Backend | undefined;
const workerList = option('workers')?.split(',').map(Number) ?? workerCounts();
const T = 20;
const F = 40;
const H = 64;
const BUDGET_MS = quick ? 500 : 1500;
const batchesArg = process.argv[process.argv.indexOf('--batches') + 1];
const BATCHES = process.argv.includes('--batches') ? batchesArg.split(',').map(Number) : [64, 512];

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
    present: ones,
    known: ones,
    sessionIds: Array.from({ length: B }, (_, b) => String(b)),
    lengths: new Int32Array(B).fill(T),
  };
}

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
      return { logits: tf.reshape(head.apply(lstm.apply(x.inputs) as tf.Tensor) as tf.Tensor, [B, T]) as tf.Tensor2D, auxLogits: null };
    };
    tf.tidy(() => void apply({ inputs: tf.zeros([1, T, F]), trackIndex: tf.zeros([1, T], 'int32') })); // builds the weights
    const weights = new Map([...lstm.trainableWeights, ...head.trainableWeights].map((w) => [w.name, w.read() as tf.Variable]));
    return {
      model: { weights, apply },
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
      return { logits: tf.reshape(dense(h, v('wo'), v('bo') as tf.Tensor as tf.Tensor1D), [B, T]) as tf.Tensor2D, auxLogits: null };
    };
    return { model: { weights: w, apply }, dispose: () => tf.dispose([...w.values()]) };
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
      return { logits: tf.reshape(tf.matMul(tf.reshape(h, [B * T, H]), v('wo')), [B, T]) as tf.Tensor2D, auxLogits: null };
    };
    return { model: { weights: w, apply }, dispose: () => tf.dispose([...w.values()]) };
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
    const cost = tf.tidy(() => optimizer.minimize(() => batchLoss(built.model, batch, { training: true, dropoutSeed: n++, auxWeight: 0 }).loss, true, vars)!);
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

function printTrainer(row: TrainerRow, busy: BusyRow): void {
  if (json) {
    console.log(JSON.stringify(row));
    console.log(JSON.stringify(busy));
  } else {
    const threads = busy.busy.map((b, i) => `${i === 0 ? 'main' : `w${i}`} ${Math.round(b * 100)}%`).join(' ');
    console.log(
      `${row.backend.padEnd(8)} trainer ${row.model.padEnd(12)} H=${String(row.hidden).padEnd(4)} B=${String(row.batch).padEnd(4)} workers=${row.workers} ${String(row.seqPerSec).padStart(7)} seq/s   busy: ${threads}   ${busy.cpuUsPerSeq} CPU-µs/seq`,
    );
  }
}

function print(row: Row): void {
  if (json) console.log(JSON.stringify(row));
  else
    console.log(
      `${row.backend.padEnd(8)} ${row.model.padEnd(34)} B=${String(row.batch).padEnd(4)} ${String(row.seqPerSec).padStart(7)} seq/s ${row.msPerStep.toFixed(1).padStart(8)} ms/step ${Number.isNaN(row.kernelsPerTimeStep) ? '    -' : String(row.kernelsPerTimeStep).padStart(5)} kernels/time-step  first loss ${row.firstLoss.toFixed(6)}${row.adapter ? `  (${row.adapter})` : ''}`,
    );
}

const lstm = skipModelCase('lstm', { type: 'lstm', layers: 1 });
const transformer = skipModelCase('transformer', { type: 'transformer', layers: 2, heads: 4, ff: 4 * H });
const silent = () => {};
if (!json) console.log(`training throughput, T=${T} F=${F} H=${H}, forward+backward+Adam (higher is better)`);
for (const name of (onlyBackend ? [onlyBackend] : BACKEND_PREFERENCE) as readonly Backend[]) {
  let active: string;
  try {
    active = (await selectBackend(name, silent)).name;
  } catch {
    continue; // not installed / no device
  }
  // On a CPU WebGPU adapter (lavapipe, SwiftShader) the rows check correctness (first loss), not speed: keep them short.
  const gpu = active === 'webgpu' ? openedAdapter() : null;
  const softwareGpu = gpu !== null && isCpuAdapter(gpu);
  const adapter = gpu ? `${gpu.description}${softwareGpu ? ', a CPU adapter: correctness only' : ''}` : undefined;
  // Gradient workers run wasm or cpu; other backends use their whole device from one thread.
  const counts = active === 'wasm' || active === 'cpu' ? workerList : [1];
  for (const { name: model, config } of trainerShapes()) {
    if (active === 'cpu' && config.train.batchSize > 64) continue;
    for (const workers of counts) printTrainer(...(await measureTrainerStep(model, config, name, workers, active === 'cpu' ? 0 : BUDGET_MS)));
  }
  if (flag('trainer-only')) continue;
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
      print(await measure(c, name, B, slow ? 0 : BUDGET_MS, !slow, adapter));
    }
    if (active === 'wasm' || active === 'cpu') setFastSlicing(true, active);
  }
}

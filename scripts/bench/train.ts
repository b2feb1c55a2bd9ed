// npm run bench -- train [--json] [--quick]
// Training throughput (forward + backward + Adam update, sequences per second) of the LSTM and the Transformer on
// every installed backend, at the reference shape B=64, T=20, F=40, H=64 (1-layer LSTM; 2-layer 4-head
// Transformer, ff = 4·H) and at B=512. The baselines run in the same process: the same LSTM built from
// tf.layers.lstm, with tfjs's stock slicing kernels and with ours (fast-slicing.ts), the same small network on our
// fused recurrence, and a plain gate-by-gate autodiff LSTM.
// One JSON line per model/backend/batch (--json), else a table. Also reports tfjs kernels per time step
// (all kernels of one training step / T; NaN on cpu, where it is not counted to save time).
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS, type Backend, type ModelConfig } from '../../src/config/schema.ts';
import { BACKEND_PREFERENCE, selectBackend } from '../../src/models/backend.ts';
import { skipLoss } from '../../src/models/loss.ts';
import { createModel } from '../../src/models/model.ts';
import { referenceLstm } from '../../src/models/reference-lstm.ts';
import { dense } from '../../src/models/dense.ts';
import { lstmSequence } from '../../src/models/lstm-sequence.ts';
import { setFastSlicing } from '../../src/models/fast-slicing.ts';
import { Rng } from '../../src/util/rng.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const T = 20;
const F = 40;
const H = 64;
const BUDGET_MS = quick ? 500 : 1500;

interface Row {
  model: string;
  backend: string;
  batch: number;
  seqLen: number;
  features: number;
  hidden: number;
  seqPerSec: number;
  msPerStep: number;
  kernelsPerTimeStep: number;
}

interface Case {
  model: string;
  /** Build variables and return a loss closure; `dispose` frees everything it made. */
  build(B: number): { loss: () => tf.Scalar; vars: tf.Variable[]; dispose(): void };
}

function randomBatch(B: number, seed: number) {
  const rng = Rng.derive(seed, 'bench-batch');
  const x = new Float32Array(B * T * F).map(() => rng.normal());
  const y = new Float32Array(B * T).map(() => (rng.next() < 0.5 ? 1 : 0));
  const idx = new Int32Array(B * T).map(() => rng.int(1000));
  return {
    inputs: tf.tensor3d(x, [B, T, F]),
    labels: tf.tensor2d(y, [B, T]),
    mask: tf.ones([B, T]) as tf.Tensor2D,
    trackIndex: tf.tensor2d(idx, [B, T], 'int32'),
    present: tf.ones([B, T]) as tf.Tensor2D,
  };
}

function skipModelCase(name: string, cfg: Partial<ModelConfig>): Case {
  return {
    model: name,
    build(B) {
      const model = createModel({ ...DEFAULTS.model, dropout: 0, auxWeight: 0, hidden: H, ...cfg }, F, 1);
      const d = randomBatch(B, 2);
      let step = 0;
      return {
        loss: () => skipLoss(model.apply(d, { training: true, dropoutSeed: step++ }), d, 0),
        vars: [...model.weights.values()],
        dispose: () => {
          model.dispose();
          tf.dispose(Object.values(d));
        },
      };
    },
  };
}

/** The same LSTM + per-position logit head, from tf.layers (Keras-style). */
const layersLstmCase: Case = {
  model: 'lstm-tf.layers',
  build(B) {
    const lstm = tf.layers.lstm({ units: H, returnSequences: true, inputShape: [T, F] });
    const head = tf.layers.dense({ units: 1 });
    const d = randomBatch(B, 2);
    const loss = () =>
      skipLoss({ logits: tf.reshape(head.apply(lstm.apply(d.inputs) as tf.Tensor) as tf.Tensor, [B, T]) as tf.Tensor2D, auxLogits: null }, d, 0);
    tf.tidy(() => {
      loss();
    }); // builds the layers' weights
    return {
      loss,
      vars: [...lstm.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable),
      dispose: () => {
        lstm.dispose();
        head.dispose();
        tf.dispose(Object.values(d));
      },
    };
  },
};

/** The same network as lstmLayersCase (input → LSTM → dense logit) on our fused recurrence: the like-for-like
 * speedup. (The full `lstm` model adds an input projection F→H and the heads.) */
const fusedLstmCase: Case = {
  model: 'lstm-fused (same net as tf.layers)',
  build(B) {
    const rng = Rng.derive(4, 'bench-fused');
    const v = (shape: number[], scale: number) => tf.variable(tf.tensor(new Float32Array(shape.reduce((a, b) => a * b)).map(() => rng.normal() * scale), shape));
    const wx = v([F, 4 * H], 0.1);
    const wh = v([H, 4 * H], 0.1);
    const b = v([4 * H], 0);
    const wo = v([H, 1], 0.1);
    const bo = v([1], 0);
    const d = randomBatch(B, 2);
    const loss = () => {
      const h = lstmSequence(dense(d.inputs, wx as tf.Tensor2D, b as tf.Tensor1D, true), wh as tf.Tensor2D);
      return skipLoss({ logits: tf.reshape(dense(h, wo as tf.Tensor2D, bo as tf.Tensor1D), [B, T]) as tf.Tensor2D, auxLogits: null }, d, 0);
    };
    return { loss, vars: [wx, wh, b, wo, bo], dispose: () => tf.dispose([wx, wh, b, wo, bo, ...Object.values(d)]) };
  },
};

/** A plain gate-by-gate LSTM with ordinary autodiff (what one writes first). */
const referenceLstmCase: Case = {
  model: 'lstm-plain-autodiff',
  build(B) {
    const rng = Rng.derive(3, 'bench-ref');
    const v = (shape: number[], scale: number) => tf.variable(tf.tensor(new Float32Array(shape.reduce((a, b) => a * b)).map(() => rng.normal() * scale), shape));
    const wx = v([F, 4 * H], 0.1);
    const wh = v([H, 4 * H], 0.1);
    const b = v([4 * H], 0);
    const wo = v([H, 1], 0.1);
    const d = randomBatch(B, 2);
    const loss = () => {
      const h = referenceLstm(d.inputs, wx as tf.Tensor2D, wh as tf.Tensor2D, b as tf.Tensor1D);
      return skipLoss({ logits: tf.reshape(tf.matMul(tf.reshape(h, [B * T, H]), wo), [B, T]) as tf.Tensor2D, auxLogits: null }, d, 0);
    };
    return { loss, vars: [wx, wh, b, wo], dispose: () => tf.dispose([wx, wh, b, wo, ...Object.values(d)]) };
  },
};

async function measure(c: Case, backend: string, B: number, budgetMs: number, countKernels: boolean): Promise<Row> {
  const built = c.build(B);
  const optimizer = tf.train.adam(1e-3);
  const step = () =>
    tf.tidy(() => {
      const cost = optimizer.minimize(built.loss, true, built.vars);
      cost?.dataSync(); // wait for the step to finish (matters on GPU backends)
    });
  step(); // warm-up: kernel setup, Adam slots, heap growth
  let steps = 0;
  const start = performance.now();
  while (steps < 2 || performance.now() - start < budgetMs) {
    step();
    steps++;
  }
  const ms = (performance.now() - start) / steps;
  const kernels = countKernels ? (await tf.profile(() => void step())).kernels.length : NaN;
  optimizer.dispose();
  built.dispose();
  return {
    model: c.model,
    backend,
    batch: B,
    seqLen: T,
    features: F,
    hidden: H,
    seqPerSec: Math.round((B / ms) * 1000),
    msPerStep: Number(ms.toFixed(2)),
    kernelsPerTimeStep: Math.round(kernels / T),
  };
}

function print(row: Row): void {
  if (json) console.log(JSON.stringify(row));
  else
    console.log(
      `${row.backend.padEnd(8)} ${row.model.padEnd(34)} B=${String(row.batch).padEnd(4)} ${String(row.seqPerSec).padStart(7)} seq/s ${row.msPerStep.toFixed(1).padStart(8)} ms/step ${Number.isNaN(row.kernelsPerTimeStep) ? '    -' : String(row.kernelsPerTimeStep).padStart(5)} kernels/time-step`,
    );
}

const lstm = skipModelCase('lstm', { type: 'lstm', layers: 1 });
const transformer = skipModelCase('transformer', { type: 'transformer', layers: 2, heads: 4, ff: 4 * H });
const silent = () => {};
if (!json) console.log(`training throughput, T=${T} F=${F} H=${H}, forward+backward+Adam (higher is better)`);
for (const name of BACKEND_PREFERENCE as readonly Backend[]) {
  let active: string;
  try {
    active = (await selectBackend(name, silent)).name;
  } catch {
    continue; // not installed / no device
  }
  // The CPU backend is ~50× slower than wasm; its large batch would take minutes.
  const batches = active === 'cpu' ? [64] : [64, 512];
  for (const B of batches) {
    const cases: [Case, boolean][] = [
      [lstm, true],
      [transformer, true],
      [fusedLstmCase, true],
      [layersLstmCase, true],
      [referenceLstmCase, true],
    ];
    cases.push([{ ...layersLstmCase, model: 'lstm-tf.layers (stock tfjs kernels)' }, false]);
    for (const [c, fastSlicing] of cases) {
      if (active === 'wasm' || active === 'cpu') setFastSlicing(fastSlicing, active);
      // cpu steps take seconds: time exactly two, and skip the kernel count (the same graph as on wasm).
      print(await measure(c, name, B, active === 'cpu' ? 0 : BUDGET_MS, active !== 'cpu'));
    }
    if (active === 'wasm' || active === 'cpu') setFastSlicing(true, active);
  }
}

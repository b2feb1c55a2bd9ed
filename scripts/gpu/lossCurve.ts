// The same short training run on two (or more) backends — same seed, same weights, same batches, dropout off — and
// its loss curves compared with the first backend's (cpu by default) within float tolerance: a GPU backend that is fast but computes something else is caught
// here. Uses the project's own model factory, Adam and stepper (the code `skiptrain train` runs: the engine on webgpu).
// Prints one JSON line per (model, backend) with the curve, then one per model comparing each backend to the first.
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS, type Backend, type ModelConfig } from '../../src/config/schema.ts';
import { MAX_SESSION_LENGTH } from '../../src/data/format/columns.ts';
import type { Batch } from '../../src/data/format/types.ts';
import { UserError } from '../../src/errors.ts';
import { selectBackend } from '../../src/models/backend.ts';
import { createModel } from '../../src/models/model.ts';
import { Adam } from '../../src/train/optimizer.ts';
import { createStepper } from '../../src/train/workers/stepper.ts';
import { Rng } from '../../src/util/rng.ts';
import { compareCurves, DEFAULT_CURVE_TOLERANCE } from './compare.ts';

export interface LossCurveOptions {
  backends: Backend[];
  models: ('lstm' | 'transformer')[];
  steps: number;
  batch: number;
  features: number;
  hidden: number;
  seed: number;
}

const DEFAULT_OPTIONS: LossCurveOptions = {
  // wasm first: the tf-ops models, the reference every other backend is compared with.
  backends: ['wasm', 'webgpu'],
  models: ['lstm', 'transformer'],
  steps: 200,
  batch: 16,
  features: 40,
  hidden: 64,
  seed: 1,
};

/**
 * A learnable synthetic batch: the label is a noisy function of two input features, so the loss falls and
 * the curve tests more than the first step. Deterministic in (seed, index).
 */
export function syntheticBatch(B: number, F: number, seed: number, index: number): Batch {
  const T = MAX_SESSION_LENGTH;
  const rng = Rng.derive(seed, 'gpu-loss-curve', index);
  const inputs = new Float32Array(B * T * F).map(() => rng.normal());
  const labels = new Float32Array(B * T);
  const auxLabels = new Float32Array(B * T * 4);
  for (let i = 0; i < B * T; i++) {
    const skip = inputs[i * F] + 0.5 * inputs[i * F + 1] + 0.3 * rng.normal() > 0 ? 1 : 0;
    labels[i] = skip;
    auxLabels.set([skip, skip, skip, 1 - skip], i * 4);
  }
  return {
    size: B,
    seqLen: T,
    features: F,
    inputs,
    trackIndex: new Int32Array(B * T).map(() => rng.int(1000)),
    mask: new Float32Array(B * T).fill(1),
    labels,
    auxLabels,
    reasonEnd: new Int32Array(B * T).fill(-1), // no reason-end head here
    present: new Float32Array(B * T).fill(1),
    known: new Float32Array(B * T),
    sessionIds: Array.from({ length: B }, (_, b) => `synthetic-${index}-${b}`),
    lengths: new Int32Array(B).fill(T),
  };
}

function modelConfig(type: 'lstm' | 'transformer', hidden: number): ModelConfig {
  const shape = type === 'lstm' ? { layers: 1 } : { layers: 2, heads: 4, ff: 4 * hidden };
  return { ...DEFAULTS.model, type, hidden, dropout: 0, auxWeight: 0.2, ...shape };
}

/** Trains a fresh model for `steps` steps on the active backend; returns the loss of every step. */
export async function trainCurve(type: 'lstm' | 'transformer', opts: LossCurveOptions, batches: Batch[]): Promise<number[]> {
  const model = createModel(modelConfig(type, opts.hidden), opts.features, opts.seed);
  const optimizer = new Adam(model.weights);
  // The trainer's own stepper: the engine on native and webgpu, tfjs's trainStep elsewhere.
  const stepper = await createStepper(model, optimizer, 1);
  const steps = [];
  try {
    for (let step = 0; step < opts.steps; step++) steps.push(await stepper.step(batches[step % batches.length], { lr: 3e-3, clipNorm: 1, dropoutSeed: step }));
    return (await Promise.all(steps.map((s) => s.read()))).map((v) => v.loss);
  } finally {
    await stepper.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

export async function runLossCurve(opts: LossCurveOptions, print: (line: string) => void = console.log): Promise<boolean> {
  // A new batch every step: a curve that memorised a few batches falls to ~0, where float noise is all that is left
  // to compare (and relative gaps mean nothing).
  const batches = Array.from({ length: opts.steps }, (_, i) => syntheticBatch(opts.batch, opts.features, opts.seed, i));
  const curves = new Map<string, Map<string, number[]>>();
  for (const backend of opts.backends) {
    let active: string;
    try {
      active = (await selectBackend(backend, () => {})).name;
    } catch (e) {
      print(JSON.stringify({ kind: 'loss-curve', backend, ok: false, reason: (e as Error).message }));
      continue;
    }
    for (const model of opts.models) {
      const before = tf.memory().numTensors;
      const losses = await trainCurve(model, opts, batches);
      const leaked = tf.memory().numTensors - before;
      (curves.get(model) ?? curves.set(model, new Map()).get(model)!).set(backend, losses);
      print(JSON.stringify({ kind: 'loss-curve', model, backend, active, batch: opts.batch, steps: opts.steps, leakedTensors: leaked, losses }));
    }
  }
  let allOk = true;
  for (const [model, byBackend] of curves) {
    const [reference, ...others] = [...byBackend.entries()];
    for (const [backend, losses] of others) {
      const c = compareCurves(losses, reference[1]);
      allOk &&= c.ok;
      print(JSON.stringify({ kind: 'loss-compare', model, backend, reference: reference[0], ...c, tolerance: DEFAULT_CURVE_TOLERANCE }));
    }
  }
  return allOk && opts.backends.every((b) => [...curves.values()].every((m) => m.has(b)));
}

/** Parses `--backends a,b --models lstm,transformer --steps N --batch B --seed S`. */
export function parseLossCurveArgs(args: string[]): LossCurveOptions {
  const opts: LossCurveOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new UserError(`loss-curve: ${flag} needs a value`);
    const positive = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`loss-curve: ${flag} must be a positive integer, got '${value}'`);
      return n;
    };
    if (flag === '--backends') opts.backends = value.split(',') as Backend[];
    else if (flag === '--models') {
      const models = value.split(',');
      const bad = models.find((m) => m !== 'lstm' && m !== 'transformer');
      if (bad) throw new UserError(`loss-curve: unknown model '${bad}' (lstm | transformer)`);
      opts.models = models as LossCurveOptions['models'];
    } else if (flag === '--steps') opts.steps = positive();
    else if (flag === '--batch') opts.batch = positive();
    else if (flag === '--seed') opts.seed = positive();
    else throw new UserError(`loss-curve: unknown option '${flag}' (--backends, --models, --steps, --batch, --seed)`);
  }
  return opts;
}

export async function runLossCurveCli(args: string[]): Promise<void> {
  const ok = await runLossCurve(parseLossCurveArgs(args));
  if (!ok) process.exitCode = 3;
}

// The engines (the native C engine, the WebGPU engine) against today's tf-ops models, the reference: createModel
// on wasm, the trainer's batchLoss, trainStep and Adam. Shared by test/unit/kernels/nativeEngine.test.ts and
// gpuEngine.test.ts: random inputs with padded sessions and the challenge's loss weights; forward logits, the
// loss and each auxiliary output's own, every weight's gradient, and whole training steps (clipping, Adam, AdamW),
// with model.auxWeight's equal auxiliary weights and with per-column ones (train.auxTargets). Tolerance per tensor:
// max |a − b| ≤ rel · max |b| + abs (the engine's own, stated by its test).
import * as tf from '@tensorflow/tfjs';
import * as assert from 'uvu/assert';
import { DEFAULTS, type ModelConfig } from '../../src/config/schema.ts';
import type { Batch } from '../../src/data/format/types.ts';
import { resolveAuxTargets, type AuxTargets } from '../../src/models/auxTargets.ts';
import { createModel, modelLogits, type SkipModel } from '../../src/models/model.ts';
import { flatLayout } from '../../src/models/params.ts';
import { batchLoss } from '../../src/train/loss.ts';
import { Adam } from '../../src/train/optimizer.ts';
import { readStep, trainStep, type StepOptions, type Stepper } from '../../src/train/step.ts';
import { maxAbs, maxAbsDiff, randomBatch, tinyLstm, tinyTransformer } from './tinyModels.ts';

export interface Tolerance {
  /** Per tensor: max |a − b| ≤ rel · max |b| + abs. */
  rel: number;
  abs: number;
  /** Relative, for the loss and the gradient norm. */
  scalar: number;
}

/** What a test needs of an engine: its gradient and logits for a model and batch, and a trainer's stepper. */
export interface EngineUnderTest {
  tolerance: Tolerance;
  /** The gradient in the flat layout of the model's weights, the loss and its statistics. */
  gradients(model: SkipModel, batch: Batch, knownWeight: number, dropoutSeed: number, threads: number): Promise<{ grads: Float32Array; loss: number; gradNorm: number; count: number; auxLosses: number[] }>;
  logits(model: SkipModel, batch: Batch, threads: number): Promise<Float32Array>;
  stepper(model: SkipModel, optimizer: Adam, threads: number): Promise<Stepper>;
}

/** The four binary columns' own losses of an engine against the reference's, to the engine's scalar tolerance. */
function assertAuxLossesClose(got: number[], want: ArrayLike<number>, what: string, tol: Tolerance): void {
  assert.is(got.length, 4, `${what}: the engines report the four binary columns`);
  got.forEach((x, k) => assert.ok(Math.abs(x - want[k]) <= tol.scalar * Math.abs(want[k]), `${what}: auxiliary loss ${k} ${x} vs ${want[k]}`));
}

/** Unequal auxiliary weights, one of them 0: what only train.auxTargets can say. */
export const PER_COLUMN_AUX: AuxTargets = resolveAuxTargets({ skip_1: 0.5, skip_3: 0.05, not_skipped: 0.2 }, 0);

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol: Tolerance): void {
  assert.is(got.length, want.length, `${what}: length`);
  assert.ok(maxAbsDiff(got, want) <= tol.rel * maxAbs(want) + tol.abs, `${what}: differs by ${maxAbsDiff(got, want)} (scale ${maxAbs(want)})`);
}

/** A challenge-like batch: padded sessions, the first third of each known (knownWeight), unknown tracks (−1). */
export function challengeLike(B: number, T: number, F: number, seed: number): Batch {
  const batch = randomBatch(B, T, F, seed);
  for (let i = 0; i < batch.mask.length; i++) {
    const t = i % T;
    batch.known[i] = batch.present[i] && t < Math.floor(T / 3) ? 1 : 0;
    batch.mask[i] = batch.present[i] * (1 - batch.known[i]);
    if (batch.present[i] && i % 7 === 3) batch.trackIndex[i] = -1;
  }
  return batch;
}

export interface Setup {
  name: string;
  cfg: ModelConfig;
  F: number;
  B: number;
  T: number;
  threads: number;
  /** Make the first session all padding (no track at all: every attention key masked). */
  emptySession?: boolean;
  /** The auxiliary targets, when not model.auxWeight's shorthand. */
  aux?: AuxTargets;
}

export const SETUPS: Setup[] = [
  { name: '2 layers, embedding, aux heads, dropout', cfg: tinyLstm, F: 5, B: 4, T: 7, threads: 1 },
  { name: 'the same on 3 threads, 5 sessions', cfg: tinyLstm, F: 5, B: 5, T: 7, threads: 3 },
  { name: 'per-column auxiliary weights, 2 threads', cfg: tinyLstm, F: 5, B: 5, T: 7, threads: 2, aux: PER_COLUMN_AUX },
  { name: '1 layer, H=12 (vector tails), no embedding, no aux, no dropout', cfg: { ...DEFAULTS.model, hidden: 12, layers: 1, dropout: 0, trackBuckets: 0, auxWeight: 0 }, F: 11, B: 3, T: 6, threads: 1 },
  { name: 'the trainer input width (88), H=24, 2 threads', cfg: { ...DEFAULTS.model, hidden: 24, layers: 1, dropout: 0.1, trackBuckets: 64, trackEmbedding: 8, auxWeight: 0.3 }, F: 88, B: 9, T: 20, threads: 2 },
  { name: 'Transformer: 2 layers, 2 heads, embedding, aux heads, dropout', cfg: tinyTransformer, F: 5, B: 4, T: 7, threads: 1 },
  { name: 'Transformer: the same on 3 threads, 5 sessions, one of them empty', cfg: tinyTransformer, F: 5, B: 5, T: 7, threads: 3, emptySession: true },
  { name: 'Transformer: per-column auxiliary weights', cfg: tinyTransformer, F: 5, B: 4, T: 7, threads: 1, aux: PER_COLUMN_AUX },
  {
    name: 'Transformer: H=12 in 3 heads of 4 (vector tails), ff 20, no embedding, no aux, no dropout',
    cfg: { ...DEFAULTS.model, type: 'transformer', hidden: 12, heads: 3, ff: 20, layers: 1, dropout: 0, trackBuckets: 0, auxWeight: 0 },
    F: 11,
    B: 3,
    T: 6,
    threads: 1,
  },
  {
    name: 'Transformer: the trainer input width (88), T=20, H=32, 4 heads, 2 threads',
    cfg: { ...DEFAULTS.model, type: 'transformer', hidden: 32, heads: 4, ff: 64, layers: 2, dropout: 0.1, trackBuckets: 64, trackEmbedding: 8, auxWeight: 0.3 },
    F: 88,
    B: 6,
    T: 20,
    threads: 2,
  },
];

/** The recurrent setups with GRU cells. */
export const GRU_SETUPS: Setup[] = SETUPS.filter((s) => s.cfg.type === 'lstm').map((s) => ({ ...s, name: `GRU: ${s.name}`, cfg: { ...s.cfg, cell: 'gru' } }));

/** The engine's gradient of the trainer's objective against tf.variableGrads of batchLoss, for one setup. */
export async function compareGradients(engine: EngineUnderTest, s: Setup): Promise<void> {
  const model = createModel(s.cfg, s.F, 3, s.aux);
  const batch = challengeLike(s.B, s.T, s.F, 9);
  if (s.emptySession) {
    for (let t = 0; t < s.T; t++) {
      batch.present[t] = batch.mask[t] = batch.known[t] = 0;
      batch.trackIndex[t] = -1;
    }
    batch.lengths[0] = 0;
  }
  const knownWeight = 0.5;
  const dropoutSeed = 42;
  let refAuxLosses: tf.Tensor | null = null;
  const ref = tf.variableGrads(() => {
    const out = batchLoss(model, batch, { training: true, dropoutSeed, knownWeight });
    refAuxLosses = tf.keep(out.auxLosses);
    return out.loss;
  }, [...model.weights.values()]);
  const r = await engine.gradients(model, batch, knownWeight, dropoutSeed, s.threads);
  const refLoss = (await ref.value.data())[0];
  assert.ok(Math.abs(r.loss - refLoss) <= engine.tolerance.scalar * Math.abs(refLoss), `${s.name}: loss ${r.loss} vs ${refLoss}`);
  assertAuxLossesClose(r.auxLosses, await refAuxLosses!.data(), s.name, engine.tolerance);
  let squares = 0;
  for (const [name, { offset, size }] of flatLayout(model.weights)) {
    const want = await ref.grads[model.weights.get(name)!.name].data();
    assert.ok(maxAbs(want) > 0, `${s.name}: the reference gradient of ${name} is not trivially zero`);
    assertClose(r.grads.subarray(offset, offset + size), want, `${s.name}: gradient of ${name}`, engine.tolerance);
    for (const g of want) squares += g * g;
  }
  assert.ok(Math.abs(r.gradNorm - Math.sqrt(squares)) <= engine.tolerance.scalar * Math.sqrt(squares), `${s.name}: gradient norm ${r.gradNorm} vs ${Math.sqrt(squares)}`);
  if (s.cfg.type === 'transformer') {
    // The key third of the qkv bias is left out of the model (models/transformer.ts): its gradient is exactly 0.
    const { offset, size } = flatLayout(model.weights).get('transformer.0.attn.bqkv')!;
    assert.ok(r.grads.subarray(offset + size / 3, offset + (2 * size) / 3).every((g) => g === 0), `${s.name}: key-bias gradient`);
  }
  assert.is(r.count, batch.mask.reduce((a, b) => a + b, 0), `${s.name}: scored positions`);
  assertClose(await engine.logits(model, batch, s.threads), await modelLogits(model, batch), `${s.name}: logits`, engine.tolerance);
  tf.dispose([ref.value, refAuxLosses!, ...Object.values(ref.grads)]);
  model.dispose();
}

/**
 * Three trainer steps on tfjs and on the engine's stepper: loss, norm, then (with `weights`) every weight and
 * Adam's m and v. Without: for an engine whose gradients differ by more than rounding of f32 (f16 activations),
 * where Adam's first steps move a weight by ±lr whatever the size of its gradient, so a gradient near zero
 * that differs in sign moves it the other way.
 */
export async function compareSteps(engine: EngineUnderTest, cfg: ModelConfig, clipNorm: number, weightDecay: number, weights = true, aux?: AuxTargets): Promise<void> {
  const F = 6;
  const [tfjs, ours] = [createModel(cfg, F, 5, aux), createModel(cfg, F, 5, aux)];
  const [tfjsAdam, ourAdam] = [new Adam(tfjs.weights, { weightDecay }), new Adam(ours.weights, { weightDecay })];
  const stepper = await engine.stepper(ours, ourAdam, 2);
  const rel = engine.tolerance.scalar;
  for (let step = 0; step < 3; step++) {
    const batch = challengeLike(6, 8, F, 20 + step);
    const opts: StepOptions = { lr: 0.01, clipNorm, knownWeight: 0.5, dropoutSeed: 100 + step };
    const want = await readStep(trainStep(tfjs, tfjsAdam, batch, opts));
    const got = await (await stepper.step(batch, opts)).read();
    assert.ok(Math.abs(got.loss - want.loss) <= rel * want.loss, `${cfg.type} step ${step}: loss ${got.loss} vs ${want.loss}`);
    assert.ok(Math.abs(got.gradNorm - want.gradNorm) <= rel * want.gradNorm, `step ${step}: norm ${got.gradNorm} vs ${want.gradNorm}`);
    assertAuxLossesClose(got.auxLosses, want.auxLosses, `${cfg.type} step ${step}`, engine.tolerance);
    if (clipNorm > 0 && step === 0) assert.ok(want.gradNorm > clipNorm, 'clipping is exercised');
  }
  await stepper.sync();
  const [a, b] = [await tfjsAdam.exportState(), await ourAdam.exportState()];
  assert.is(b.step, a.step);
  for (const name of weights ? tfjs.weights.keys() : []) {
    assertClose(await ours.weights.get(name)!.data(), await tfjs.weights.get(name)!.data(), `${cfg.type} weight ${name}`, engine.tolerance);
    assertClose(b.m.get(name)!, a.m.get(name)!, `${cfg.type} Adam m of ${name}`, engine.tolerance);
    assertClose(b.v.get(name)!, a.v.get(name)!, `${cfg.type} Adam v of ${name}`, engine.tolerance);
  }
  await stepper.dispose();
}

/** Both models through compareSteps without and with clipping + weight decay, then with per-column auxiliary weights. */
export async function compareStepsOfBothModels(engine: EngineUnderTest, weights = true): Promise<void> {
  for (const cfg of [tinyLstm, tinyTransformer]) {
    await compareSteps(engine, cfg, 0, 0, weights);
    await compareSteps(engine, cfg, 0.05, 0.01, weights);
    await compareSteps(engine, cfg, 0, 0, weights, PER_COLUMN_AUX);
  }
}

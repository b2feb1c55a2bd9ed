// The native engine (src/kernels/native) against today's tf-ops models (the reference: createModel on wasm, the
// trainer's batchLoss, trainStep and Adam), the LSTM and the Transformer: forward logits, the loss, every weight's
// gradient, and whole training steps (clipping, Adam, AdamW), on random inputs with padded sessions and the
// challenge's loss weights, on 1–3 threads and on both instruction sets. Tolerance per tensor: max |a − b| ≤ 1e-5 · max |b| + 1e-7 (float32
// rounding differs between the formulations; a wrong formula is off by O(1) of the tensor's scale).
// Each case runs in a child process of its own (test/helpers/nativeChild.ts).
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import * as assert from 'uvu/assert';
import { DEFAULTS, type ModelConfig } from '../../../src/config/schema.ts';
import type { Batch } from '../../../src/data/types.ts';
import { dropoutMask, dropoutScale, dropoutThreshold } from '../../../src/kernels/dropoutMask.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel, modelLogits, type SkipModel } from '../../../src/models/model.ts';
import { createNativeEngine, engineBatch, trainingPass } from '../../../src/models/nativeModel.ts';
import { flatLayout, readFlatWeights } from '../../../src/models/params.ts';
import { batchLoss, lossDenominator, lossWeights } from '../../../src/train/loss.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { readStep, trainStep, type StepOptions } from '../../../src/train/step.ts';
import { NativeStepper } from '../../../src/train/workers/nativeStepper.ts';
import { nativeCases } from '../../helpers/nativeChild.ts';
import { maxAbs, maxAbsDiff, randomBatch, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const within = (got: ArrayLike<number>, want: ArrayLike<number>) => maxAbsDiff(got, want) <= 1e-5 * maxAbs(want) + 1e-7;

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  assert.ok(within(got, want), `${what}: differs by ${maxAbsDiff(got, want)} (scale ${maxAbs(want)})`);
}

/** A challenge-like batch: padded sessions, the first third of each known (knownWeight), unknown tracks (−1). */
function challengeLike(B: number, T: number, F: number, seed: number): Batch {
  const batch = randomBatch(B, T, F, seed);
  for (let i = 0; i < batch.mask.length; i++) {
    const t = i % T;
    batch.known[i] = batch.present[i] && t < Math.floor(T / 3) ? 1 : 0;
    batch.mask[i] = batch.present[i] * (1 - batch.known[i]);
    if (batch.present[i] && i % 7 === 3) batch.trackIndex[i] = -1;
  }
  return batch;
}

interface Setup {
  name: string;
  cfg: ModelConfig;
  F: number;
  B: number;
  T: number;
  threads: number;
  /** Make the first session all padding (no track at all: every attention key masked). */
  emptySession?: boolean;
}

const SETUPS: Setup[] = [
  { name: '2 layers, embedding, aux heads, dropout', cfg: tinyLstm, F: 5, B: 4, T: 7, threads: 1 },
  { name: 'the same on 3 threads, 5 sessions', cfg: tinyLstm, F: 5, B: 5, T: 7, threads: 3 },
  { name: '1 layer, H=12 (vector tails), no embedding, no aux, no dropout', cfg: { ...DEFAULTS.model, hidden: 12, layers: 1, dropout: 0, trackBuckets: 0, auxWeight: 0 }, F: 11, B: 3, T: 6, threads: 1 },
  { name: 'the trainer input width (88), H=24, 2 threads', cfg: { ...DEFAULTS.model, hidden: 24, layers: 1, dropout: 0.1, trackBuckets: 64, trackEmbedding: 8, auxWeight: 0.3 }, F: 88, B: 9, T: 20, threads: 2 },
  { name: 'Transformer: 2 layers, 2 heads, embedding, aux heads, dropout', cfg: tinyTransformer, F: 5, B: 4, T: 7, threads: 1 },
  { name: 'Transformer: the same on 3 threads, 5 sessions, one of them empty', cfg: tinyTransformer, F: 5, B: 5, T: 7, threads: 3, emptySession: true },
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

async function ready(): Promise<void> {
  await selectBackend('native', () => {});
}

/** The native gradient of the trainer's objective against tf.variableGrads of batchLoss, for one setup. */
async function compareGradients(s: Setup): Promise<void> {
  const model = createModel(s.cfg, s.F, 3);
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
  const ref = tf.variableGrads(() => batchLoss(model, batch, { training: true, dropoutSeed, auxWeight: s.cfg.auxWeight, knownWeight }).loss, [...model.weights.values()]);
  const weights = lossWeights(batch, knownWeight);
  const engine = createNativeEngine(model, s.threads);
  const params = await readFlatWeights(model.weights);
  const grads = new Float32Array(params.length);
  const r = engine.gradients(params, engineBatch(batch, weights), trainingPass(model, dropoutSeed, s.cfg.auxWeight, lossDenominator(weights)), grads);
  const refLoss = (await ref.value.data())[0];
  assert.ok(Math.abs(r.loss - refLoss) <= 1e-6 * Math.abs(refLoss), `${s.name}: loss ${r.loss} vs ${refLoss}`);
  let squares = 0;
  for (const [name, { offset, size }] of flatLayout(model.weights)) {
    const want = await ref.grads[model.weights.get(name)!.name].data();
    assert.ok(maxAbs(want) > 0, `${s.name}: the reference gradient of ${name} is not trivially zero`);
    assertClose(grads.subarray(offset, offset + size), want, `${s.name}: gradient of ${name}`);
    for (const g of want) squares += g * g;
  }
  assert.ok(Math.abs(r.gradNorm - Math.sqrt(squares)) <= 1e-5 * Math.sqrt(squares), `${s.name}: gradient norm`);
  if (s.cfg.type === 'transformer') {
    // The key third of the qkv bias is left out of the model (models/transformer.ts): its gradient is exactly 0.
    const { offset, size } = flatLayout(model.weights).get('transformer.0.attn.bqkv')!;
    assert.ok(grads.subarray(offset + size / 3, offset + (2 * size) / 3).every((g) => g === 0), `${s.name}: key-bias gradient`);
  }
  const scored = batch.mask.reduce((a, b) => a + b, 0);
  assert.is(r.count, scored, `${s.name}: scored positions`);
  assertClose(engine.logits(params, engineBatch(batch)), await modelLogits(model, batch), `${s.name}: logits`);
  tf.dispose([ref.value, ...Object.values(ref.grads)]);
  model.dispose();
}

/** Three trainer steps (clipping active on the second setup, AdamW on both) on tfjs and in the native engine. */
async function compareSteps(cfg: ModelConfig, clipNorm: number, weightDecay: number): Promise<void> {
  const F = 6;
  const [tfjs, native] = [createModel(cfg, F, 5), createModel(cfg, F, 5)];
  const [tfjsAdam, nativeAdam] = [new Adam(tfjs.weights, { weightDecay }), new Adam(native.weights, { weightDecay })];
  const stepper = await NativeStepper.create(native, nativeAdam, 2);
  for (let step = 0; step < 3; step++) {
    const batch = challengeLike(6, 8, F, 20 + step);
    const opts: StepOptions = { lr: 0.01, clipNorm, auxWeight: cfg.auxWeight, knownWeight: 0.5, dropoutSeed: 100 + step };
    const want = await readStep(trainStep(tfjs, tfjsAdam, batch, opts));
    const got = await readStep(await stepper.step(batch, opts));
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * want.loss, `${cfg.type} step ${step}: loss ${got.loss} vs ${want.loss}`);
    assert.ok(Math.abs(got.gradNorm - want.gradNorm) <= 1e-5 * want.gradNorm, `step ${step}: norm ${got.gradNorm} vs ${want.gradNorm}`);
    if (clipNorm > 0 && step === 0) assert.ok(want.gradNorm > clipNorm, 'clipping is exercised');
  }
  await stepper.sync();
  const [a, b] = [await tfjsAdam.exportState(), await nativeAdam.exportState()];
  assert.is(b.step, a.step);
  for (const name of tfjs.weights.keys()) {
    assertClose(await native.weights.get(name)!.data(), await tfjs.weights.get(name)!.data(), `${cfg.type} weight ${name}`);
    assertClose(b.m.get(name)!, a.m.get(name)!, `${cfg.type} Adam m of ${name}`);
    assertClose(b.v.get(name)!, a.v.get(name)!, `${cfg.type} Adam v of ${name}`);
  }
}

/** The weights after `steps` native steps on `threads` threads. */
async function nativeRun(cfg: ModelConfig, threads: number, steps: number): Promise<Float32Array> {
  const model = createModel(cfg, 6, 5);
  const stepper = await NativeStepper.create(model, new Adam(model.weights), threads);
  for (let step = 0; step < steps; step++) {
    const r = await stepper.step(challengeLike(7, 8, 6, step), { lr: 0.01, clipNorm: 1, auxWeight: 0.3, knownWeight: 0.5, dropoutSeed: step });
    tf.dispose(Object.values(r));
  }
  await stepper.sync();
  return readFlatWeights(model.weights);
}

const cases: Record<string, () => Promise<void>> = {
  'the dropout masks are the TypeScript rule, bit for bit (offsets, wrap-around, rates)': async () => {
    await ready();
    const engine = createNativeEngine(createModel(tinyLstm, 5, 1), 1);
    for (const [rate, first, seed, n] of [
      [0.1, 0, 1, 1000],
      [0.5, 12345, 0xdeadbeef, 777],
      [0.3, 2 ** 32 - 5, 7, 20],
    ]) {
      const x = new Float32Array(n).fill(1);
      engine.dropout(x, first, seed, dropoutThreshold(rate), dropoutScale(rate));
      assert.equal(Array.from(x), Array.from(dropoutMask(n, first, seed, rate)), `rate ${rate} first ${first}`);
      const kept = x.filter((v) => v > 0).length / n;
      assert.ok(Math.abs(kept - (1 - rate)) < 0.1, `rate ${rate}: kept ${kept}`);
    }
  },
  'forward logits, loss and every gradient equal the tfjs model (AVX2 where the CPU has it)': async () => {
    await ready();
    const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    if (/\bavx2\b/.test(cpu) && /\bfma\b/.test(cpu)) assert.is(createNativeEngine(createModel(tinyLstm, 5, 1), 1).isa, 'avx2');
    for (const s of SETUPS) await compareGradients(s);
  },
  'training steps (loss, norm, weights, Adam m and v) equal trainStep on tfjs, with AdamW and with clipping': async () => {
    await ready();
    for (const cfg of [tinyLstm, tinyTransformer]) {
      await compareSteps(cfg, 0, 0);
      await compareSteps(cfg, 0.05, 0.01);
    }
  },
  'a step is bit-identical for a given thread count, and within rounding across counts': async () => {
    await ready();
    for (const cfg of [tinyLstm, tinyTransformer]) {
      const one = await nativeRun(cfg, 1, 3);
      assert.equal(Array.from(await nativeRun(cfg, 2, 3)), Array.from(await nativeRun(cfg, 2, 3)), `${cfg.type}: two 2-thread runs are bit-identical`);
      for (const threads of [2, 3]) assertClose(await nativeRun(cfg, threads, 3), one, `${cfg.type}: ${threads} threads against 1`);
    }
  },
  'wrong arguments are TypeErrors naming the argument, never a crash': async () => {
    await ready();
    const model: SkipModel = createModel(tinyLstm, 5, 1);
    const engine = createNativeEngine(model, 2);
    const params = await readFlatWeights(model.weights);
    const batch = challengeLike(3, 7, 5, 1);
    const good = engineBatch(batch, lossWeights(batch, 0.5));
    const pass = trainingPass(model, 1, 0.3, 10);
    const throwsType = (f: () => unknown, what: RegExp) =>
      assert.throws(f, (e: Error) => e instanceof TypeError && what.test(e.message), `expected a TypeError matching ${what}`);
    throwsType(() => engine.logits(params.subarray(1), engineBatch(batch)), /params/);
    throwsType(() => engine.logits(params, { ...engineBatch(batch), inputs: new Float32Array(3) }), /batch\.inputs/);
    throwsType(() => engine.gradients(params, { ...good, labels: undefined }, pass, new Float32Array(params.length)), /batch\.labels/);
    throwsType(() => engine.gradients(params, good, pass, new Float32Array(4)), /grads/);
    throwsType(() => engine.gradients(params, good, { ...pass, dropout: { ...pass.dropout!, seeds: new Uint32Array(9) } }, new Float32Array(params.length)), /seeds/);
    const transformer = createModel(tinyTransformer, 5, 1);
    const tEngine = createNativeEngine(transformer, 1);
    const tParams = await readFlatWeights(transformer.weights);
    throwsType(() => tEngine.logits(tParams, { ...engineBatch(batch), present: undefined }), /batch\.present/);
    const long = challengeLike(1, 21, 5, 1); // one position past the 20 rows of the positional table
    throwsType(() => tEngine.logits(tParams, engineBatch(long)), /positional table/);
  },
};

nativeCases(import.meta.url, {
  ...cases,
  'generic instruction set: every gradient and step equals the tfjs model': async () => {
    assert.is(process.env.SKIPTRAIN_NATIVE_ISA, 'generic');
    await ready();
    const engine = createNativeEngine(createModel(tinyLstm, 5, 1), 1);
    assert.is(engine.isa, 'generic');
    for (const s of SETUPS) await compareGradients(s);
    for (const cfg of [tinyLstm, tinyTransformer]) await compareSteps(cfg, 0.05, 0.01);
  },
}, { 'generic instruction set: every gradient and step equals the tfjs model': { SKIPTRAIN_NATIVE_ISA: 'generic' } });

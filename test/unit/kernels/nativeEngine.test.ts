// The native engine (src/kernels/native) against today's tf-ops models, the recurrent model (LSTM and GRU cells) and
// the Transformer (test/helpers/engineEquivalence.ts: forward logits, the loss, every weight's gradient, whole training steps with
// clipping, Adam and AdamW, on random inputs with padded sessions and the challenge's loss weights), on 1–3
// threads and on both instruction sets. Tolerance per tensor: max |a − b| ≤ 1e-5 · max |b| + 1e-7 (float32 rounding
// differs between the formulations; a wrong formula is off by O(1) of the tensor's scale); 1e-5 relative for the
// loss and the gradient norm. Each case runs in a child process of its own (test/helpers/childCases.ts).
import { existsSync, readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import type { ModelConfig } from '../../../src/config/schema.ts';
import { dropoutMask, dropoutScale, dropoutThreshold } from '../../../src/kernels/dropoutMask.ts';
import { loadNative } from '../../../src/kernels/native.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel, type SkipModel } from '../../../src/models/model.ts';
import { createNativeEngine, engineBatch, trainingPass } from '../../../src/models/engineModel.ts';
import { readFlatWeights } from '../../../src/models/params.ts';
import { lossDenominator, lossWeights } from '../../../src/train/loss.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { NativeStepper } from '../../../src/train/workers/nativeStepper.ts';
import { createStepper } from '../../../src/train/workers/stepper.ts';
import { assertClose, challengeLike, compareGradients, compareSteps, compareStepsOfBothModels, GRU_SETUPS, SETUPS, type EngineUnderTest } from '../../helpers/engineEquivalence.ts';
import { nativeCases } from '../../helpers/childCases.ts';
import { tinyEncoderDecoder, tinyGru, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const TOLERANCE = { rel: 1e-5, abs: 1e-7, scalar: 1e-5 };

const native: EngineUnderTest = {
  tolerance: TOLERANCE,
  async gradients(model, batch, knownWeight, dropoutSeed, threads) {
    const weights = lossWeights(batch, knownWeight);
    const params = await readFlatWeights(model.weights);
    const grads = new Float32Array(params.length);
    const r = createNativeEngine(model, threads).gradients(params, engineBatch(batch, weights), trainingPass(model, dropoutSeed, lossDenominator(weights)), grads);
    return { grads, ...r };
  },
  async logits(model, batch, threads) {
    return createNativeEngine(model, threads).logits(await readFlatWeights(model.weights), engineBatch(batch));
  },
  stepper: (model, optimizer, threads) => NativeStepper.create(model, optimizer, threads),
};

async function ready(): Promise<void> {
  await selectBackend('native', () => {});
}

/** The weights after `steps` native steps on `threads` threads. */
async function nativeRun(cfg: ModelConfig, threads: number, steps: number): Promise<Float32Array> {
  const model = createModel(cfg, 6, 5);
  const stepper = await NativeStepper.create(model, new Adam(model.weights), threads);
  for (let step = 0; step < steps; step++) {
    (await stepper.step(challengeLike(7, 8, 6, step), { lr: 0.01, clipNorm: 1, knownWeight: 0.5, dropoutSeed: step })).dispose();
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
    for (const s of SETUPS) await compareGradients(native, s);
  },
  'training steps (loss, norm, weights, Adam m and v) equal trainStep on tfjs, with AdamW and with clipping': async () => {
    await ready();
    await compareStepsOfBothModels(native);
  },
  'GRU cells: forward logits, loss, every gradient and training steps (with AdamW and clipping) equal the tfjs model': async () => {
    await ready();
    for (const s of GRU_SETUPS) await compareGradients(native, s);
    await compareSteps(native, tinyGru, 0, 0);
    await compareSteps(native, tinyGru, 0.05, 0.01);
  },
  'the trainer steps GRU cells in the engine, and an encoder-decoder of them in TensorFlow.js': async () => {
    await ready();
    for (const [cfg, backend] of [[tinyGru, 'native'], [{ ...tinyEncoderDecoder, cell: 'gru' }, 'wasm']] as const) {
      const model = createModel(cfg, 6, 5);
      const stepper = await createStepper(model, new Adam(model.weights), 1);
      assert.is(stepper.backend, backend, cfg.type);
      await stepper.dispose();
    }
  },
  'a step is bit-identical for a given thread count, and within rounding across counts': async () => {
    await ready();
    for (const cfg of [tinyLstm, tinyGru, tinyTransformer]) {
      const one = await nativeRun(cfg, 1, 3);
      assert.equal(Array.from(await nativeRun(cfg, 2, 3)), Array.from(await nativeRun(cfg, 2, 3)), `${cfg.type}: two 2-thread runs are bit-identical`);
      for (const threads of [2, 3]) assertClose(await nativeRun(cfg, threads, 3), one, `${cfg.type}: ${threads} threads against 1`, TOLERANCE);
    }
  },
  'wrong arguments are TypeErrors naming the argument, never a crash': async () => {
    await ready();
    const model: SkipModel = createModel(tinyLstm, 5, 1);
    const engine = createNativeEngine(model, 2);
    const params = await readFlatWeights(model.weights);
    const batch = challengeLike(3, 7, 5, 1);
    const good = engineBatch(batch, lossWeights(batch, 0.5));
    const pass = trainingPass(model, 1, 10);
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
    // A handle of another kind (the batch encoder's standardised table) or a lookalike object as the engine.
    const native = loadNative() as unknown as { addon: Record<string, (...a: unknown[]) => unknown> };
    const table = native.addon.createStandardTable(new Float32Array(4), 4, new Float32Array(4), new Float32Array(4));
    for (const wrong of [table, {}]) {
      throwsType(() => native.addon.isa(wrong), /isa\(engine\)/);
      throwsType(() => native.addon.logits(wrong, params, engineBatch(batch), new Float32Array(3 * 7)), /engine|params/);
    }
  },
};

nativeCases(import.meta.url, {
  ...cases,
  'generic instruction set: every gradient and step equals the tfjs model': async () => {
    assert.is(process.env.SKIPTRAIN_NATIVE_ISA, 'generic');
    await ready();
    const engine = createNativeEngine(createModel(tinyLstm, 5, 1), 1);
    assert.is(engine.isa, 'generic');
    for (const s of [...SETUPS, ...GRU_SETUPS]) await compareGradients(native, s);
    for (const cfg of [tinyLstm, tinyGru, tinyTransformer]) await compareSteps(native, cfg, 0.05, 0.01);
  },
}, { 'generic instruction set: every gradient and step equals the tfjs model': { SKIPTRAIN_NATIVE_ISA: 'generic' } });

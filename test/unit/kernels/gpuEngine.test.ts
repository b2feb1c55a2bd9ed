// The WebGPU engine (src/kernels/webgpu) against today's tf-ops models, the recurrent model (LSTM and GRU cells) and
// the Transformer (test/helpers/engineEquivalence.ts: forward logits, the loss, every weight's gradient, whole training steps with
// clipping, Adam and AdamW, on random inputs with padded sessions, an empty session and the challenge's loss
// weights), on whatever WebGPU adapter this machine has (in CI: lavapipe). Tolerance per tensor (f32 on a GPU,
// whose exp, tanh and summation orders differ from wasm's): max |a − b| ≤ 1e-4 · max |b| + 1e-6; 1e-4 relative
// for the loss and the gradient norm; looser with f16 activations (below). Each case runs in a child process (test/helpers/childCases.ts).
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel } from '../../../src/models/model.ts';
import { createGpuEngine, engineBatch, trainingPass } from '../../../src/models/engineModel.ts';
import { lossDenominator, lossWeights } from '../../../src/train/loss.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { GpuStepper } from '../../../src/train/workers/gpuStepper.ts';
import { GpuError } from '../../../src/kernels/webgpu/device.ts';
import type { Precision } from '../../../src/kernels/engine.ts';
import { STATS_SLOTS } from '../../../src/kernels/webgpu/engine.ts';
import { challengeLike, compareGradients, compareSteps, compareStepsOfBothModels, GRU_SETUPS, SETUPS, type EngineUnderTest } from '../../helpers/engineEquivalence.ts';
import { gpuCases } from '../../helpers/childCases.ts';
import { tinyGru, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

/** The engine with activations stored as `precision`, held to `tolerance`. */
function gpuEngine(precision: Precision, tolerance: EngineUnderTest['tolerance']): EngineUnderTest {
  return {
    tolerance,
    async gradients(model, batch, knownWeight, dropoutSeed) {
      const weights = lossWeights(batch, knownWeight);
      const engine = await createGpuEngine(model, undefined, precision);
      const { grads, stats } = await engine.gradients(engineBatch(batch, weights), trainingPass(model, dropoutSeed, lossDenominator(weights)));
      engine.destroy();
      return { grads, ...stats };
    },
    async logits(model, batch) {
      const engine = await createGpuEngine(model, undefined, precision);
      const logits = await engine.logits(engineBatch(batch));
      engine.destroy();
      return logits;
    },
    stepper: (model, optimizer) => GpuStepper.create(model, optimizer, precision),
  };
}

const gpu = gpuEngine('f32', { rel: 1e-4, abs: 1e-6, scalar: 1e-4 });
// f16 storage rounds every activation and every gradient between kernels to 11 bits (2⁻¹¹ ≈ 4.9e-4 relative);
// through a few layers that is ~3e-3 at most here (measured: 7e-4 to 2.7e-3 per tensor). The loss and the norm
// sum many rounded terms and stay within 1e-3.
const gpuF16 = gpuEngine('f16', { rel: 1e-2, abs: 1e-5, scalar: 1e-3 });

async function ready(): Promise<void> {
  await selectBackend('webgpu', () => {});
}

gpuCases(import.meta.url, {
  'forward logits, loss and every gradient equal the tfjs model (LSTM and Transformer, padded and empty sessions)': async () => {
    await ready();
    // From 512 sessions on, a recurrence workgroup carries several (kernels.ts, recurrentRows).
    for (const s of [...SETUPS, { name: 'LSTM, 600 sessions', cfg: tinyLstm, F: 5, B: 600, T: 5, threads: 1 }]) await compareGradients(gpu, s);
  },
  'GRU cells: forward logits, loss, every gradient and training steps (with AdamW and clipping) equal the tfjs model': async () => {
    await ready();
    for (const s of [...GRU_SETUPS, { name: 'GRU, 600 sessions', cfg: tinyGru, F: 5, B: 600, T: 5, threads: 1 }]) await compareGradients(gpu, s);
    await compareSteps(gpu, tinyGru, 0, 0);
    await compareSteps(gpu, tinyGru, 0.05, 0.01);
  },
  'training steps (loss, norm, weights, Adam m and v) equal trainStep on tfjs, with AdamW and with clipping': async () => {
    await ready();
    await compareStepsOfBothModels(gpu);
  },
  'f16 activations (train.precision: f16): logits, loss and every gradient within f16 rounding of the tfjs model; three steps of loss and norm too': async () => {
    await ready();
    for (const s of [...SETUPS, ...GRU_SETUPS]) await compareGradients(gpuF16, s);
    await compareStepsOfBothModels(gpuF16, false);
    await compareSteps(gpuF16, tinyGru, 0.05, 0.01, false);
  },
  'a step is tens of dispatches, none read back; statistics wait in their slot until read': async () => {
    await ready();
    const counts = new Map<string, number>();
    for (const [cfg, most] of [
      [tinyLstm, 40],
      [tinyGru, 40],
      [tinyTransformer, 150],
    ] as const) {
      const model = createModel(cfg, 6, 1);
      const stepper = await GpuStepper.create(model, new Adam(model.weights));
      const opts = { lr: 0.01, clipNorm: 1, knownWeight: 0.5, dropoutSeed: 1 };
      const pending = [];
      for (let step = 0; step < 3; step++) pending.push(await stepper.step(challengeLike(5, 7, 6, step), opts));
      assert.ok(stepper.dispatches > 0 && stepper.dispatches <= most, `${cfg.type}: ${stepper.dispatches} dispatches per step`);
      counts.set(cfg.type === 'lstm' ? cfg.cell : cfg.type, stepper.dispatches);
      const values = await Promise.all(pending.map((p) => p.read()));
      // Three different batches: three different losses, each read from its own slot.
      assert.is(new Set(values.map((v) => v.loss)).size, 3, JSON.stringify(values));
      values.forEach((v) => assert.ok(v.loss > 0 && v.count > 0 && v.gradNorm > 0, JSON.stringify(v)));
      await stepper.dispose();
    }
    // The GRU's backward pass takes one product more per layer than the LSTM's: its two biases' gradient (26 → 28).
    assert.is(counts.get('gru'), counts.get('lstm')! + tinyGru.layers, JSON.stringify([...counts]));
    assert.ok(STATS_SLOTS >= 1000, 'a log interval of up to 1,000 steps fits the ring');
  },
  'wrong arguments are TypeErrors naming the argument; a destroyed engine is a GpuError, never numbers': async () => {
    await ready();
    const model = createModel(tinyTransformer, 5, 1);
    const engine = await createGpuEngine(model);
    const batch = challengeLike(3, 7, 5, 1);
    const rejectsWith = async (f: () => Promise<unknown>, type: Function, what: RegExp) => {
      try {
        await f();
      } catch (e) {
        assert.ok(e instanceof type && what.test((e as Error).message), `expected ${type.name} matching ${what}, got ${(e as Error).message}`);
        return;
      }
      assert.unreachable(`expected ${type.name} matching ${what}`);
    };
    await rejectsWith(() => engine.logits({ ...engineBatch(batch), inputs: new Float32Array(3) }), TypeError, /batch\.inputs/);
    await rejectsWith(() => engine.logits({ ...engineBatch(batch), present: undefined }), TypeError, /batch\.present/);
    await rejectsWith(() => engine.logits(engineBatch(challengeLike(1, 21, 5, 1))), TypeError, /positional table/);
    const weights = lossWeights(batch, 0.5);
    await rejectsWith(() => engine.gradients({ ...engineBatch(batch, weights), labels: undefined }, trainingPass(model, 1, 10)), TypeError, /batch\.labels/);
    engine.destroy();
    await rejectsWith(() => engine.logits(engineBatch(batch)), GpuError, /WebGPU device error, stopping/);
  },
});

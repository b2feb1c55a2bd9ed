// The auxiliary targets in training (models/auxTargets.ts, train/loss.ts): the loss is a hand computation of its
// definition; model.auxWeight's shorthand computes the loss and its gradient bit for bit as before the per-column
// weights; the reason-end softmax learns a class it can see; checkpoints without train.auxTargets load as before and
// with it rebuild its head; the engines leave the reason-end head to TensorFlow.js; TensorBoard gets
// train/loss_<column> for each target.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { resolveAuxTargets, REASON_END_CLASSES, type AuxTargets } from '../../../src/models/auxTargets.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { engineLacks } from '../../../src/models/engineSupport.ts';
import { batchToTensors, createModel, predictProbabilities, type SkipModel } from '../../../src/models/model.ts';
import { loadCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint.ts';
import { batchLoss, lossDenominator, lossWeights } from '../../../src/train/loss.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { trainStep } from '../../../src/train/step.ts';
import { readScalars } from '../../../src/train/tensorboard/reader.ts';
import { train } from '../../../src/train/trainer.ts';
import { createStepper } from '../../../src/train/workers/stepper.ts';
import { challengeLike } from '../../helpers/engineEquivalence.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';
import { randomBatch, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const F = 5;
const root = mkdtempSync(join(tmpdir(), 'skiptrain-aux-targets-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const ALL: AuxTargets = resolveAuxTargets({ skip_1: 0.5, skip_3: 0.2, not_skipped: 0.05, hist_user_behavior_reason_end: 0.3 }, 0);

const bce = (x: number, y: number) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));

test('the loss is its definition: main BCE + Σ weight · each column’s masked mean, the reason-end one a softmax cross-entropy', async () => {
  await selectBackend('cpu', () => {});
  const model = createModel({ ...tinyLstm, dropout: 0 }, F, 3, ALL);
  const batch = challengeLike(4, 7, F, 5);
  const knownWeight = 0.5;
  const x = batchToTensors(batch);
  const [logits, aux, reasonEnd] = tf.tidy(() => {
    const out = model.apply(x, { training: false });
    return [out.logits, out.auxLogits!, out.reasonEndLogits!].map((t) => Float32Array.from(t.dataSync()));
  });
  const out = batchLoss(model, batch, { training: false, knownWeight });
  const [loss, auxLosses] = [out.loss.dataSync()[0], Array.from(out.auxLosses.dataSync())];
  tf.dispose([...Object.values(x), ...Object.values(out)]);

  const w = lossWeights(batch, knownWeight);
  const denominator = lossDenominator(w);
  const want = [0, 0, 0, 0, 0];
  let main = 0;
  for (let i = 0; i < batch.size * batch.seqLen; i++) {
    if (!w[i]) continue;
    main += w[i] * bce(logits[i], batch.labels[i]);
    for (let k = 0; k < 4; k++) want[k] += w[i] * bce(aux[i * 4 + k], batch.auxLabels[i * 4 + k]);
    const z = reasonEnd.slice(i * REASON_END_CLASSES, (i + 1) * REASON_END_CLASSES);
    const top = Math.max(...z);
    want[4] += w[i] * (top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0)) - z[batch.reasonEnd[i]]);
  }
  const columns = want.map((v) => v / denominator);
  const total = main / denominator + [ALL.skip_1, ALL.skip_2, ALL.skip_3, ALL.not_skipped, ALL.hist_user_behavior_reason_end].reduce((s, wk, k) => s + wk * columns[k], 0);
  assert.ok(Math.abs(loss - total) <= 1e-6 * total, `loss ${loss} vs ${total}`);
  columns.forEach((c, k) => assert.ok(Math.abs(auxLosses[k] - c) <= 1e-6 * c, `column ${k}: ${auxLosses[k]} vs ${c}`));
  model.dispose();
});

/** The objective as it was before train.auxTargets (git b17cdee, train/loss.ts): auxWeight × the mean of the four BCEs. */
function shorthandLossBefore(model: SkipModel, batch: Batch, auxWeight: number, knownWeight: number, dropoutSeed: number): tf.Scalar {
  const { size: B, seqLen: T } = batch;
  const mask = tf.tensor2d(lossWeights(batch, knownWeight), [B, T]);
  const denominator = tf.scalar(lossDenominator(lossWeights(batch, knownWeight)));
  const { logits, auxLogits } = model.apply(batchToTensors(batch), { training: true, dropoutSeed });
  const bceOf = (x: tf.Tensor, y: tf.Tensor) => tf.relu(x).sub(x.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
  const mainLoss = bceOf(logits, tf.tensor2d(batch.labels, [B, T])).mul(mask).sum().div(denominator);
  const auxLoss = bceOf(auxLogits!, tf.tensor3d(batch.auxLabels, [B, T, 4])).mul(mask.expandDims(2)).sum().div(denominator.mul(4));
  return mainLoss.add(auxLoss.mul(auxWeight)) as tf.Scalar;
}

test('model.auxWeight’s shorthand gives the loss and every gradient of before, bit for bit (LSTM and Transformer)', async () => {
  await selectBackend('cpu', () => {});
  for (const cfg of [tinyLstm, tinyTransformer]) {
    for (const auxWeight of [0.3, 0.7]) {
      const model = createModel({ ...cfg, auxWeight }, F, 4);
      const batch = challengeLike(5, 7, F, 8);
      const variables = [...model.weights.values()];
      const now = tf.variableGrads(() => {
        const out = batchLoss(model, batch, { training: true, knownWeight: 0.5, dropoutSeed: 9 });
        return out.loss;
      }, variables);
      const before = tf.variableGrads(() => shorthandLossBefore(model, batch, auxWeight, 0.5, 9), variables);
      assert.equal(now.value.dataSync(), before.value.dataSync(), `${cfg.type} ${auxWeight}: loss`);
      for (const v of variables) assert.equal(now.grads[v.name].dataSync(), before.grads[v.name].dataSync(), `${cfg.type} ${auxWeight}: gradient of ${v.name}`);
      tf.dispose([now.value, before.value, ...Object.values(now.grads), ...Object.values(before.grads)]);
      model.dispose();
    }
  }
});

/** Random sessions whose reason-end class is the signs of features 0 and 1 (4 of the 9 classes): learnable from the track alone. */
function reasonEndBatch(B: number, seed: number): Batch {
  const batch = randomBatch(B, 8, F, seed);
  batch.reasonEnd.forEach((_, i) => {
    if (batch.present[i]) batch.reasonEnd[i] = (batch.inputs[i * F] > 0 ? 1 : 0) + (batch.inputs[i * F + 1] > 0 ? 2 : 0);
  });
  return batch;
}

test('the reason-end head learns a class it can see (50 steps: chance is 1 in 4)', async () => {
  await selectBackend('cpu', () => {});
  const model = createModel({ ...tinyLstm, hidden: 16, layers: 1, dropout: 0 }, F, 2, resolveAuxTargets({ hist_user_behavior_reason_end: 1 }, 0));
  assert.ok(model.weights.has('head.reasonEnd.w') && model.weights.get('head.w')!.shape[1] === 1, 'a softmax head of its own, no binary heads');
  const optimizer = new Adam(model.weights);
  for (let s = 0; s < 50; s++) tf.dispose(Object.values(trainStep(model, optimizer, reasonEndBatch(32, 100 + s), { lr: 0.03, clipNorm: 1, dropoutSeed: s })));
  const held = reasonEndBatch(128, 1);
  const x = batchToTensors(held);
  const predicted = tf.tidy(() => model.apply(x, { training: false }).reasonEndLogits!.argMax(2).dataSync());
  tf.dispose(Object.values(x));
  let right = 0;
  let n = 0;
  held.reasonEnd.forEach((c, i) => {
    if (c < 0) return;
    n++;
    if (predicted[i] === c) right++;
  });
  // Measured: 0.96.
  assert.ok(right / n > 0.8, `accuracy ${right / n}`);
  optimizer.dispose();
  model.dispose();
});

/** A checkpoint of `model` under `config`, loaded back: the loaded model's predictions against the model's own. */
async function roundTrip(model: SkipModel, config: Config, name: string): Promise<SkipModel> {
  const position = { step: 1, epoch: 0, batchesInEpoch: 1, plannedSteps: 2, rngState: 1, metrics: {} };
  const stats = { mean: [0], std: [1], vocab: { contextType: {}, reasonStart: {}, reasonEnd: {} }, rows: 1, sessions: 1, skipRateByPosition: [0.5] };
  const adam = new Adam(model.weights);
  const run = join(root, name);
  await saveCheckpoint(run, { position, config, stats, inputFeatures: F, weights: model.weights, optimizer: await adam.exportState() }, { keepLast: 1, keepBest: 0, bestMetric: 'val/loss' });
  adam.dispose();
  const loaded = (await loadCheckpoint(run, () => {})).model;
  const batch = randomBatch(3, 6, F, 4);
  assert.equal(await predictProbabilities(loaded, batch), await predictProbabilities(model, batch), `${name}: predictions`);
  return loaded;
}

test('a checkpoint without train.auxTargets loads with the shorthand’s heads; one with a reason-end head rebuilds it', async () => {
  await selectBackend('cpu', () => {});
  const { auxTargets: _, ...before } = DEFAULTS.train;
  const old = JSON.parse(JSON.stringify({ ...DEFAULTS, model: tinyLstm, train: before })) as Config;
  const oldModel = createModel(tinyLstm, F, 1);
  const loadedOld = await roundTrip(oldModel, old, 'old');
  assert.equal(loadedOld.aux, oldModel.aux);
  assert.equal([...loadedOld.weights.keys()], [...oldModel.weights.keys()]);

  const config: Config = { ...DEFAULTS, model: tinyLstm, train: { ...DEFAULTS.train, auxTargets: { skip_1: 0.2, hist_user_behavior_reason_end: 0.1 } } };
  const model = createModel(tinyLstm, F, 1, resolveAuxTargets(config.train.auxTargets, 0));
  const loaded = await roundTrip(model, config, 'reason-end');
  assert.ok(loaded.weights.has('head.reasonEnd.w'));
  assert.equal(loaded.aux, model.aux);
  [oldModel, loadedOld, model, loaded].forEach((m) => m.dispose());
});

test('what the engines run: per-column binary weights yes, the reason-end head and the encoder-decoder not (the stepper falls back)', async () => {
  for (const engine of ['native', 'webgpu'] as const) {
    assert.is(engineLacks(engine, tinyLstm, resolveAuxTargets({ skip_1: 0.4, not_skipped: 0.1 }, 0)), null);
    assert.match(engineLacks(engine, tinyLstm, ALL)!, 'hist_user_behavior_reason_end');
    assert.match(engineLacks(engine, { ...tinyLstm, type: 'encoder-decoder' }, resolveAuxTargets(undefined, 0.3))!, 'encoder-decoder');
  }
  await selectBackend('native', () => {});
  for (const [aux, backend] of [[resolveAuxTargets({ skip_1: 0.4 }, 0), 'native'], [ALL, tf.getBackend()]] as const) {
    const model = createModel(tinyLstm, F, 1, aux);
    const stepper = await createStepper(model, new Adam(model.weights), 1);
    assert.is(stepper.backend, backend);
    await stepper.dispose();
    model.dispose();
  }
});

test('TensorBoard gets train/loss_<column> for each auxiliary target, in TensorFlow.js and in the native engine', async () => {
  const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };
  for (const [backend, auxTargets, columns] of [
    ['cpu', 'skip_1=0.3,hist_user_behavior_reason_end=0.1', ['skip_1', 'hist_user_behavior_reason_end']],
    ['native', '', ['skip_1', 'skip_2', 'skip_3', 'not_skipped']],
  ] as const) {
    await selectBackend(backend, () => {});
    const config = tinyConfig(root, { experiment: `aux-${backend}`, backend, 'train.auxTargets': auxTargets, 'train.maxSteps': '4', 'train.logEvery': '2' });
    const { runFolder } = await train({ config, ...quiet });
    const scalars = await readScalars(runFolder);
    const logged = [...scalars.keys()].filter((tag) => tag.startsWith('train/loss_')).sort();
    assert.equal(logged, columns.map((c) => `train/loss_${c}`).sort(), backend);
    for (const c of columns) {
      const points = scalars.get(`train/loss_${c}`)!;
      assert.equal(points.map((p) => p.step), [2, 4], `${backend} ${c}: every log step`);
      assert.ok(points.every((p) => Number.isFinite(p.value) && p.value > 0), `${backend} ${c}: ${JSON.stringify(points)}`);
    }
  }
});

test.run();

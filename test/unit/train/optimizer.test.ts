import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { learningRate, warmupLength } from '../../../src/train/schedule.ts';
import { Adam, clipByGlobalNorm } from '../../../src/train/optimizer.ts';
import { readStep, trainStep } from '../../../src/train/step.ts';
import { batchLoss } from '../../../src/train/loss.ts';
import { linearModel, separableBatch } from '../../helpers/linearModel.ts';
import { DEFAULTS } from '../../../src/config/schema.ts';
import { inputFeatureCount } from '../../../src/data/batch/features.ts';
import { createModel } from '../../../src/models/model.ts';

await tf.setBackend('cpu');

const weightsOf = (model: { weights: ReadonlyMap<string, tf.Variable> }) =>
  [...model.weights].map(([k, v]) => [k, Array.from(v.dataSync())] as const);

test('learning rate warms up linearly, then decays to ~0 over the plan', () => {
  const cfg = { lr: 0.01, warmup: 0, warmupSteps: 10, decay: 'cosine' as const };
  assert.ok(Math.abs(learningRate(0, cfg, 110) - 0.001) < 1e-12);
  assert.ok(Math.abs(learningRate(9, cfg, 110) - 0.01) < 1e-12);
  for (let s = 10; s < 109; s++) assert.ok(learningRate(s + 1, cfg, 110) <= learningRate(s, cfg, 110));
  assert.ok(Math.abs(learningRate(60, cfg, 110) - 0.005) < 1e-9, 'cosine is at half height halfway');
  assert.ok(learningRate(109, cfg, 110) < 1e-5);
  assert.ok(Math.abs(learningRate(60, { ...cfg, decay: 'linear' }, 110) - 0.005) < 1e-12);
  assert.is(learningRate(100, { ...cfg, decay: 'none' }, 110), 0.01);
  assert.is(learningRate(5, { ...cfg, warmupSteps: 0, decay: 'none' }, 110), 0.01);
});

test('warm-up given as a fraction of the planned steps scales with the plan; warmupSteps wins when set', () => {
  const cfg = { lr: 0.01, warmup: 0.02, warmupSteps: 0, decay: 'cosine' as const };
  // 40 planned steps (20,000 sessions at batch 512): about one step of warm-up, then the full rate.
  assert.is(warmupLength(cfg, 40), 1);
  assert.ok(Math.abs(learningRate(1, cfg, 40) - 0.01) < 1e-3, `lr at step 1 of 40: ${learningRate(1, cfg, 40)}`);
  // 244,141 planned steps (125 M sessions): 4,883 steps of warm-up, at half the rate halfway through it.
  assert.is(warmupLength(cfg, 244_141), 4883);
  assert.ok(Math.abs(learningRate(2441, cfg, 244_141) - 0.005) < 1e-5);
  assert.ok(learningRate(4882, cfg, 244_141) === 0.01);
  assert.is(warmupLength({ warmup: 0.02, warmupSteps: 1000 }, 40), 1000);
});

test('Adam matches the tfjs reference implementation step by step', () => {
  const target = tf.tensor([1, -2, 3]);
  const mine = tf.variable(tf.tensor([0.5, 0.5, 0.5]), true, 'adam-test-mine');
  const reference = tf.variable(tf.tensor([0.5, 0.5, 0.5]), true, 'adam-test-ref');
  const adam = new Adam(new Map([['w', mine]]), { epsilon: 1e-7 });
  const refOpt = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
  for (let i = 0; i < 20; i++) {
    const { grads } = tf.variableGrads(() => mine.sub(target).square().sum() as tf.Scalar, [mine]);
    adam.apply(new Map([['w', grads[mine.name]]]), 0.05);
    tf.dispose(grads);
    refOpt.minimize(() => reference.sub(target).square().sum() as tf.Scalar, false, [reference]);
  }
  const a = mine.dataSync();
  const b = reference.dataSync();
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${a[i]} vs ${b[i]}`);
  assert.ok(Math.abs(a[0] - 0.5) > 0.5, 'the weights moved towards the target');
  adam.dispose();
  refOpt.dispose();
  tf.dispose([target, mine, reference]);
});

test('optimizer state round-trips exactly: a restored copy continues bit-for-bit', async () => {
  const batches = [1, 2, 3, 4, 5, 6].map((s) => separableBatch(4, 6, 5, s));
  const opts = (i: number) => ({ lr: 0.01, clipNorm: 1, dropoutSeed: i });
  const a = linearModel(5, 3);
  const adamA = new Adam(a.weights, { weightDecay: 0.01 });
  for (let i = 0; i < 3; i++) await readStep(trainStep(a, adamA, batches[i], opts(i)));

  const b = linearModel(5, 99);
  for (const [k, v] of a.weights) b.weights.get(k)!.assign(tf.tensor(Float32Array.from(v.dataSync()), v.shape));
  const adamB = new Adam(b.weights, { weightDecay: 0.01 });
  const state = await adamA.exportState();
  adamB.importState({ step: state.step, m: new Map(state.m), v: new Map(state.v) });
  assert.is(adamB.step, 3);

  for (let i = 3; i < 6; i++) {
    await readStep(trainStep(a, adamA, batches[i], opts(i)));
    await readStep(trainStep(b, adamB, batches[i], opts(i)));
  }
  assert.equal(weightsOf(b), weightsOf(a));
  assert.equal([...(await adamB.exportState()).v.values()], [...(await adamA.exportState()).v.values()]);
  assert.throws(() => adamB.importState({ step: 1, m: new Map(), v: new Map() }), /missing or has the wrong size/);
  [adamA, adamB, a, b].forEach((x) => x.dispose());
});

test('training steps do not leak tensors, and the loss goes down', async () => {
  const model = linearModel(5, 1);
  const adam = new Adam(model.weights);
  const batch = separableBatch(8, 6, 5, 42);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < 40; i++) {
    losses.push((await readStep(trainStep(model, adam, batch, { lr: 0.05, clipNorm: 1, dropoutSeed: i }))).loss);
    counts.push(tf.memory().numTensors);
  }
  assert.is(counts[39], counts[1], `tensor count grew: ${counts[1]} → ${counts[39]}`);
  assert.ok(losses[39] < losses[0] * 0.7, `loss ${losses[0]} → ${losses[39]}`);
  adam.dispose();
  model.dispose();
});

test('steps of the real LSTM and Transformer leave no tensors behind', async () => {
  for (const type of ['lstm', 'transformer'] as const) {
    const cfg = { ...DEFAULTS.model, type, hidden: 8, heads: 2, ff: 16, trackBuckets: 16, trackEmbedding: 4 };
    const model = createModel(cfg, inputFeatureCount(), 1);
    const adam = new Adam(model.weights, { weightDecay: 0.01 });
    const batch = separableBatch(4, 6, inputFeatureCount(), 3);
    batch.trackIndex.forEach((_, i) => (batch.trackIndex[i] = i % 5 === 0 ? -1 : i));
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await readStep(trainStep(model, adam, batch, { lr: 0.01, clipNorm: 1, dropoutSeed: i }));
      counts.push(tf.memory().numTensors);
    }
    assert.is(counts[3], counts[1], `${type}: tensor count grew ${counts}`);
    adam.dispose();
    model.dispose();
  }
});

test('masked loss ignores padding and counts only masked positions', () => {
  const model = linearModel(3, 5);
  const batch = separableBatch(2, 4, 3, 7);
  const noisy = { ...batch, labels: batch.labels.map((y, i) => (batch.mask[i] ? y : 1 - y)) };
  const [a, b] = [batch, noisy].map((x) =>
    tf.tidy(() => {
      const out = batchLoss(model, x, { training: false });
      return [out.loss.dataSync()[0], out.count.dataSync()[0]];
    }),
  );
  assert.equal(a, b, 'flipping padded labels changes nothing');
  assert.is(a[1], 4); // 2 rows × (4 − 2 padded)
  model.dispose();
});

test('global-norm clipping rescales to the limit and leaves small gradients alone', () => {
  const grads = new Map<string, tf.Tensor>([
    ['a', tf.tensor([3, 0])],
    ['b', tf.tensor([[0, 4]])],
  ]);
  const clipped = clipByGlobalNorm(grads, 1);
  assert.ok(Math.abs(clipped.norm.dataSync()[0] - 5) < 1e-5);
  const after = Math.hypot(...clipped.grads.get('a')!.dataSync(), ...clipped.grads.get('b')!.dataSync());
  assert.ok(Math.abs(after - 1) < 1e-4);
  const untouched = clipByGlobalNorm(grads, 10);
  assert.equal(Array.from(untouched.grads.get('a')!.dataSync()), [3, 0]);
  tf.dispose([...grads.values(), ...clipped.grads.values(), ...untouched.grads.values(), clipped.norm, untouched.norm]);
});

test('decoupled weight decay shrinks matrices only', () => {
  const matrix = tf.variable(tf.ones([2, 2]), true, 'wd-matrix');
  const bias = tf.variable(tf.ones([2]), true, 'wd-bias');
  const adam = new Adam(new Map([['m', matrix], ['b', bias]]), { weightDecay: 0.5 });
  adam.apply(new Map([['m', tf.zeros([2, 2])], ['b', tf.zeros([2])]]), 0.1);
  assert.ok(Math.abs(matrix.dataSync()[0] - 0.95) < 1e-6);
  assert.is(bias.dataSync()[0], 1);
  adam.dispose();
  tf.dispose([matrix, bias]);
});

test.run();

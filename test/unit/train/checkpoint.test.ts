import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import type { FeatureStats } from '../../../src/data/types.ts';
import { UserError } from '../../../src/errors.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { readStep, trainStep } from '../../../src/train/step.ts';
import {
  assignWeights,
  listCheckpoints,
  readCheckpoint,
  resolveCheckpoint,
  saveCheckpoint,
  type RetentionPolicy,
} from '../../../src/train/checkpoint.ts';
import { linearModel, separableBatch } from '../../helpers/linearModel.ts';

await tf.setBackend('cpu');

const stats: FeatureStats = {
  mean: [1, 2],
  std: [3, 4],
  vocab: { contextType: { radio: 2 }, reasonStart: {}, reasonEnd: {} },
  rows: 10,
  sessions: 2,
  skipRateByPosition: [0.5, 0.25],
};
const config: Config = { ...DEFAULTS, experiment: 'checkpoint-test' };
const keepAll: RetentionPolicy = { keepLast: 100, keepBest: 0, bestMetric: 'val/loss' };

async function trainedModel() {
  const model = linearModel(4, 11);
  const adam = new Adam(model.weights);
  for (let i = 0; i < 3; i++) await readStep(trainStep(model, adam, separableBatch(3, 5, 4, i), { lr: 0.01, clipNorm: 1, auxWeight: 0.3, dropoutSeed: i }));
  return { model, adam };
}

async function save(run: string, step: number, metrics: Record<string, number>, policy: RetentionPolicy, m?: Awaited<ReturnType<typeof trainedModel>>) {
  m ??= await trainedModel();
  const position = { step, epoch: 1, batchesInEpoch: step % 7, plannedSteps: 100, rngState: 1234 + step, metrics };
  return saveCheckpoint(run, { position, config, stats, inputFeatures: 4, weights: m.model.weights, optimizer: await m.adam.exportState() }, policy);
}

const freshRun = () => mkdtempSync(join(tmpdir(), 'skiptrain-ckpt-'));

test('a checkpoint round-trips weights, optimizer state, position, config and stats exactly', async () => {
  const run = freshRun();
  const m = await trainedModel();
  const path = await save(run, 3, { 'val/loss': 0.5 }, keepAll, m);
  assert.is(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim(), 'step-00000003');
  const c = await readCheckpoint(run);
  assert.is(c.path, path);
  assert.is(c.manifest.step, 3);
  assert.is(c.manifest.batchesInEpoch, 3);
  assert.is(c.manifest.rngState, 1237);
  assert.equal(c.manifest.metrics, { 'val/loss': 0.5 });
  assert.equal(c.manifest.config, config);
  assert.equal(c.manifest.stats, stats);
  const saved = await m.adam.exportState();
  assert.is(c.optimizer.step, 3);
  for (const [name, v] of m.model.weights) {
    assert.equal(Array.from(c.weights.get(name)!.values), Array.from(v.dataSync()));
    assert.equal(Array.from(c.optimizer.m.get(name)!), Array.from(saved.m.get(name)!));
    assert.equal(Array.from(c.optimizer.v.get(name)!), Array.from(saved.v.get(name)!));
  }
  const other = linearModel(4, 99);
  assignWeights(other.weights, c.weights, c.path);
  assert.equal(Array.from(other.weights.get('head/kernel')!.dataSync()), Array.from(m.model.weights.get('head/kernel')!.dataSync()));
  const wrong = linearModel(5, 1);
  assert.throws(() => assignWeights(wrong.weights, c.weights, c.path), /shape \[4,1\] in the checkpoint but \[5,1\]/);
  [m.model, other, wrong].forEach((x) => x.dispose());
  m.adam.dispose();
  rmSync(run, { recursive: true });
});

test('rotation keeps the last keepLast and the best keepBest by the metric', async () => {
  const run = freshRun();
  const m = await trainedModel();
  const losses = [0.9, 0.3, 0.8, 0.7, 0.6, 0.95];
  const policy: RetentionPolicy = { keepLast: 2, keepBest: 1, bestMetric: 'val/loss' };
  for (let i = 0; i < losses.length; i++) await save(run, (i + 1) * 10, { 'val/loss': losses[i] }, policy, m);
  assert.equal(listCheckpoints(join(run, 'checkpoints')).map((c) => c.step), [20, 50, 60]);

  // Higher is better for accuracies; checkpoints without metrics never count as best.
  const run2 = freshRun();
  const accuracy: RetentionPolicy = { keepLast: 1, keepBest: 2, bestMetric: 'val/accuracy' };
  await save(run2, 1, { 'val/accuracy': 0.6 }, accuracy, m);
  await save(run2, 2, { 'val/accuracy': 0.7 }, accuracy, m);
  await save(run2, 3, { 'val/accuracy': 0.65 }, accuracy, m);
  await save(run2, 4, {}, accuracy, m);
  assert.equal(listCheckpoints(join(run2, 'checkpoints')).map((c) => c.step), [2, 3, 4]);
  assert.is(resolveCheckpoint(run2), join(run2, 'checkpoints', 'step-00000004'));
  m.model.dispose();
  m.adam.dispose();
  rmSync(run, { recursive: true });
  rmSync(run2, { recursive: true });
});

test('a leftover temp folder from a killed save is ignored, then cleaned up', async () => {
  const run = freshRun();
  await save(run, 5, {}, keepAll);
  const leftover = join(run, 'checkpoints', '.tmp-step-00000009-424242');
  mkdirSync(leftover);
  writeFileSync(join(leftover, 'tensors.bin'), 'half');
  assert.is((await readCheckpoint(run)).manifest.step, 5);
  assert.equal(listCheckpoints(join(run, 'checkpoints')).map((c) => c.step), [5]);
  await save(run, 6, {}, keepAll);
  assert.not.ok(existsSync(leftover));
  // Without the pointer (killed between rename and pointer write) the newest complete checkpoint is used.
  rmSync(join(run, 'checkpoints', 'latest'));
  assert.is((await readCheckpoint(run)).manifest.step, 6);
  rmSync(run, { recursive: true });
});

test('a truncated or missing checkpoint is a UserError naming the path', async () => {
  const run = freshRun();
  const path = await save(run, 7, {}, keepAll);
  truncateSync(join(path, 'tensors.bin'), 10);
  const err = await readCheckpoint(run).catch((e) => e);
  assert.instance(err, UserError);
  assert.match(err.message, join(path, 'tensors.bin'));
  assert.match(err.message, /truncated/);
  rmSync(join(path, 'manifest.json'));
  const missing = await readCheckpoint(path).catch((e) => e);
  assert.instance(missing, UserError);
  const nowhere = await readCheckpoint(join(run, 'nope')).catch((e) => e);
  assert.instance(nowhere, UserError);
  assert.match(nowhere.message, join(run, 'nope'));
  const empty = freshRun();
  const none = await readCheckpoint(empty).catch((e) => e);
  assert.match(none.message, /no checkpoint found/);
  assert.equal(readdirSync(empty), []);
  rmSync(run, { recursive: true });
  rmSync(empty, { recursive: true });
});

test.run();

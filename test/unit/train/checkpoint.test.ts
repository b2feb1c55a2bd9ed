import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import type { FeatureStats } from '../../../src/data/format/types.ts';
import { UserError } from '../../../src/errors.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { readStep, trainStep } from '../../../src/train/step.ts';
import {
  assignWeights,
  CheckpointCorruptError,
  listCheckpoints,
  readCheckpoint,
  readResumableCheckpoint,
  resolveCheckpoint,
  saveCheckpoint,
  type RetentionPolicy,
} from '../../../src/train/checkpoint.ts';
import { withManifestCrc } from '../../../src/util/manifestCrc.ts';
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
  for (let i = 0; i < 3; i++) await readStep(trainStep(model, adam, separableBatch(3, 5, 4, i), { lr: 0.01, clipNorm: 1, dropoutSeed: i }));
  return { model, adam };
}

async function save(run: string, step: number, metrics: Record<string, number>, policy: RetentionPolicy, m?: Awaited<ReturnType<typeof trainedModel>>) {
  m ??= await trainedModel();
  const position = { step, epoch: 1, batchesInEpoch: step % 7, plannedSteps: 100, rngState: 1234 + step, metrics };
  return saveCheckpoint(run, { position, config, stats, inputFeatures: 4, weights: m.model.weights, optimizer: await m.adam.exportState() }, policy);
}

const freshRun = () => mkdtempSync(join(tmpdir(), 'skiptrain-ckpt-'));

/** Inverts `count` bytes in the middle of a file, as a failing disk or a bad copy would change them. */
function flipMiddle(path: string, count: number) {
  const bytes = readFileSync(path);
  const at = bytes.length >> 1;
  for (let i = at; i < at + count; i++) bytes[i] ^= 0xff;
  writeFileSync(path, bytes);
}

test('a checkpoint round-trips weights, optimizer state, position, config and stats exactly', async () => {
  const run = freshRun();
  const m = await trainedModel();
  const path = await save(run, 3, { 'val/loss': 0.5 }, keepAll, m);
  assert.match(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8'), /^step-00000003 crc32c=0x[0-9a-f]{8}\n$/);
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

test('flipped bytes in tensors.bin or a changed manifest are a CheckpointCorruptError naming the file and what to do', async () => {
  const run = freshRun();
  const m = await trainedModel();
  const first = await save(run, 1, {}, keepAll, m);
  const second = await save(run, 2, {}, keepAll, m);
  const manifest = JSON.parse(readFileSync(join(second, 'manifest.json'), 'utf8'));
  assert.is(manifest.version, 2);
  assert.type(manifest.tensorsCrc32c, 'number');
  assert.type(manifest.manifestCrc32c, 'number');

  flipMiddle(join(second, 'tensors.bin'), 2);
  const err = await readCheckpoint(run, () => {}).catch((e) => e);
  assert.instance(err, CheckpointCorruptError);
  assert.instance(err, UserError);
  assert.ok(err.message.startsWith(`${join(second, 'tensors.bin')}: checkpoint data is corrupt (CRC-32C 0x`), err.message);
  assert.match(err.message, `use the run's previous checkpoint, ${first}`);
  assert.not.match(err.message, /\n/);

  // Any change to the manifest's content, here a metric, is noticed too (indentation is not content).
  writeFileSync(join(first, 'manifest.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')), metrics: { 'val/loss': 0.1 } }));
  const bad = await readCheckpoint(first, () => {}).catch((e) => e);
  assert.instance(bad, CheckpointCorruptError);
  assert.match(bad.message, `${join(first, 'manifest.json')}: checkpoint manifest is corrupt`);
  assert.match(bad.message, /restore it from a backup, or train again/);
  m.model.dispose();
  m.adam.dispose();
  rmSync(run, { recursive: true });
});

test('a checkpoint written before model.cell and the decoder keys reads as the model it was: an LSTM, no decoder extras', async () => {
  const run = freshRun();
  const path = await save(run, 1, {}, keepAll);
  const manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8'));
  const { cell: _c, decoderBidirectional: _b, decoderAttention: _a, ...older } = manifest.config.model;
  writeFileSync(join(path, 'manifest.json'), JSON.stringify(withManifestCrc({ ...manifest, config: { ...manifest.config, model: older } })));
  assert.equal((await readCheckpoint(path)).manifest.config.model, DEFAULTS.model);
  rmSync(run, { recursive: true });
});

test('resuming from a damaged checkpoint falls back to the newest intact one before it, in one line', async () => {
  const run = freshRun();
  const m = await trainedModel();
  for (const step of [4, 8, 12]) await save(run, step, {}, keepAll, m);
  const [, eight, twelve] = listCheckpoints(join(run, 'checkpoints')).map((c) => c.path);
  flipMiddle(join(twelve, 'tensors.bin'), 2);
  const lines: string[] = [];
  const resumed = await readResumableCheckpoint(twelve, (l) => lines.push(l));
  assert.is(resumed.manifest.step, 8);
  assert.is(lines.length, 1, lines.join('\n'));
  assert.ok(lines[0].startsWith(`warning: ${join(twelve, 'tensors.bin')}: `), lines[0]);
  assert.match(lines[0], /checkpoint data is corrupt \(CRC-32C 0x[0-9a-f]{8}, the manifest says 0x[0-9a-f]{8}\); resuming from .*step-00000008, the newest intact checkpoint before it$/);
  assert.match(lines[0], eight);

  // Past several damaged ones; none intact: the newest one's own error.
  rmSync(join(eight, 'tensors.bin'));
  assert.is((await readResumableCheckpoint(twelve, () => {})).manifest.step, 4);
  flipMiddle(join(run, 'checkpoints', 'step-00000004', 'tensors.bin'), 1);
  const err = await readResumableCheckpoint(twelve, () => {}).catch((e) => e);
  assert.instance(err, CheckpointCorruptError);
  assert.match(err.message, join(twelve, 'tensors.bin'));
  m.model.dispose();
  m.adam.dispose();
  rmSync(run, { recursive: true });
});

test('a version 1 checkpoint (no CRCs, the old last-track input) loads unchecked, and each run hears so once', async () => {
  const run = freshRun();
  const m = await trainedModel();
  const paths = [await save(run, 1, {}, keepAll, m), await save(run, 2, {}, keepAll, m)];
  for (const path of paths) {
    // What version 1 wrote: the same manifest without the CRCs.
    const { tensorsCrc32c: _t, manifestCrc32c: _m, ...old } = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8'));
    writeFileSync(join(path, 'manifest.json'), JSON.stringify({ ...old, version: 1 }, null, 1));
    flipMiddle(join(path, 'tensors.bin'), 2); // unchecked: not noticed
  }
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  for (const path of [...paths, ...paths]) assert.is((await readCheckpoint(path, log)).manifest.version, 1);
  assert.is(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^note: .*step-00000001 is a version 1 checkpoint \(written before checkpoints carried CRC-32C checksums\): read without verification \(said once per run\)$/);
  // Version 1 also predates the "last track" input that leaves position 20 of 20-track sessions unmarked.
  assert.match(lines[1], /^note: .*step-00000001 was trained while the "last track" input also marked position 20/);
  const another: string[] = [];
  await readCheckpoint(paths[0], (l) => another.push(l));
  assert.is(another.length, 2, 'another run is told again');
  m.model.dispose();
  m.adam.dispose();
  rmSync(run, { recursive: true });
});

test.run();

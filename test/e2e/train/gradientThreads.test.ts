// A 2-thread training run against a 1-thread one on the same data and seed: with dropout off they differ only by
// float rounding in how the slices' gradients are summed (the parts are checked in test/unit/train/workers.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScalars } from '../../../src/train/tensorboard/reader.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-threads-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

// Seeds 1-4 (data seed 3-6): every logged loss within 1.2e-7, every gradient norm within 1.2e-7 relative; the
// bars are about 100 times that.
const LOSS_TOLERANCE = 1e-5;
test(`a 2-thread run follows the 1-thread run's loss curve (each logged loss within ${LOSS_TOLERANCE})`, async () => {
  const overrides = { 'model.dropout': '0', 'train.epochs': '1', 'train.checkpointEvery': '0', 'train.histogramEvery': '0' };
  const one = await train({ config: tinyConfig(root, { ...overrides, 'train.workers': '1', checkpoints: join(root, 'one') }), ...quiet });
  const two = await train({ config: tinyConfig(root, { ...overrides, 'train.workers': '2', checkpoints: join(root, 'two') }), ...quiet });
  const [a, b] = [(await readScalars(one.runFolder)).get('train/loss')!, (await readScalars(two.runFolder)).get('train/loss')!];
  assert.ok(a.length >= 5, `enough points (${a.length})`);
  assert.equal(b.map((p) => p.step), a.map((p) => p.step));
  a.forEach((p, i) => assert.ok(Math.abs(p.value - b[i].value) < LOSS_TOLERANCE, `step ${p.step}: ${p.value} vs ${b[i].value}`));
  assert.ok(a[0].value !== a[a.length - 1].value, 'the loss moved');
  // The logged gradient norm (before clipping) is the whole batch's however many threads computed it.
  const [na, nb] = [(await readScalars(one.runFolder)).get('train/grad_norm')!, (await readScalars(two.runFolder)).get('train/grad_norm')!];
  assert.equal(na.map((p) => p.step), a.map((p) => p.step));
  na.forEach((p, i) => assert.ok(p.value > 0 && Math.abs(p.value - nb[i].value) <= 1e-5 * p.value, `grad_norm at step ${p.step}: ${p.value} vs ${nb[i].value}`));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

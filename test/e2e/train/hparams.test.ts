// Every training run tells TensorBoard's HParams dashboard its config (a session start in each event file) and,
// once its whole plan is done, that it ended; a run stopped at a fraction of its plan (a sweep's rung) has no end yet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../../src/models/backend.ts';
import { readCheckpoint } from '../../../src/train/checkpoint.ts';
import { SESSION_END_TAG, SESSION_START_TAG, STATUS } from '../../../src/train/tensorboard/hparams.ts';
import { readHParams } from '../../../src/train/tensorboard/reader.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

const root = mkdtempSync(join(tmpdir(), 'skiptrain-hparams-run-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

test('a run stopped at half its plan, then resumed, writes a session start per event file and one end', async () => {
  await selectBackend('cpu', () => {});
  const config = tinyConfig(root, { 'train.maxSteps': '8', 'model.hidden': '12' });
  const first = await train({ config, untilFraction: 0.5, ...quiet });
  assert.is(first.step, 4);
  assert.is(first.interrupted, false);
  assert.is((await readCheckpoint(first.runFolder)).manifest.metrics['val/loss'] > 0, true, 'validated at the stop');
  assert.equal((await readHParams(first.runFolder)).map((h) => h.tag), [SESSION_START_TAG]);

  const second = await train({ config, resume: first.runFolder, ...quiet });
  assert.is(second.step, 8);
  const read = await readHParams(first.runFolder);
  assert.equal(read.map((h) => h.tag), [SESSION_START_TAG, SESSION_START_TAG, SESSION_END_TAG]);
  const hparams = read[0].data.sessionStartInfo!.hparams;
  assert.is(hparams['model.hidden'], 12);
  assert.is(hparams['train.maxSteps'], 8);
  assert.is(hparams['data.valDays'], '2018-07-16');
  assert.is(read[0].data.sessionStartInfo!.modelUri, first.runFolder);
  assert.is(read[2].data.sessionEndInfo!.status, STATUS.success);
});

test.run();

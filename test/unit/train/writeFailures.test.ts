// The trainer's writers on a failing file system. The checkpoint writer is driven into ENOSPC through its one seam
// (checkpointFiles.open): the half-written checkpoint is removed, `latest` still names the last complete one, and a
// training run fails with one line naming the checkpoint and that last step, releases its lock, and resumes once the
// writes work again. The TensorBoard writer meets a real full disk (a tiny tmpfs, where one can be mounted).
// The command line on a full disk: test/e2e/faults/fullDisk.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/config/schema.ts';
import type { FeatureStats } from '../../../src/data/format/types.ts';
import { checkpointFiles, readCheckpoint, resolveCheckpoint, saveCheckpoint, type RetentionPolicy } from '../../../src/train/checkpoint.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { RUN_LOCK_NAME } from '../../../src/train/runLock.ts';
import { EventWriter } from '../../../src/train/tensorboard/writer.ts';
import { train } from '../../../src/train/trainer.ts';
import { FileError, failureMessage } from '../../../src/util/failures.ts';
import { linearModel } from '../../helpers/linearModel.ts';
import { systemError } from '../../helpers/systemError.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';
import { fillUp, mountTmpfs, tmpfsTest } from '../../helpers/tmpfs.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-write-failures-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

/**
 * From the `spare`-th file on, the checkpoint writer's files behave as on a full disk: a write puts half its bytes
 * down, then fails with ENOSPC. Returns the function that puts the real file system back.
 */
function fillCheckpointDisk(spare = 0): () => void {
  const real = checkpointFiles.open;
  let opened = 0;
  checkpointFiles.open = (async (...args: Parameters<typeof open>) => {
    const handle = await real(...args);
    if (opened++ < spare) return handle;
    handle.writeFile = async (data: string | Uint8Array) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      await handle.write(bytes.subarray(0, bytes.length >> 1));
      throw systemError('ENOSPC', 'write');
    };
    return handle;
  }) as typeof open;
  return () => {
    checkpointFiles.open = real;
  };
}

const stats: FeatureStats = { mean: [0], std: [1], vocab: { contextType: {}, reasonStart: {}, reasonEnd: {} }, rows: 1, sessions: 1, skipRateByPosition: [0.5] };
const keep: RetentionPolicy = { keepLast: 5, keepBest: 0, bestMetric: 'val/loss' };

async function saveAt(run: string, step: number) {
  const model = linearModel(4, 1);
  const adam = new Adam(model.weights);
  const position = { step, epoch: 0, batchesInEpoch: step, plannedSteps: 10, rngState: 1, metrics: {} };
  return saveCheckpoint(run, { position, config: DEFAULTS, stats, inputFeatures: 4, weights: model.weights, optimizer: await adam.exportState() }, keep);
}

test('a checkpoint that hits a full disk names its folder, leaves no temp folder, and latest stays on the last complete one', async () => {
  const run = mkdtempSync(join(root, 'save-'));
  await saveAt(run, 4);
  const restore = fillCheckpointDisk();
  const err = await saveAt(run, 8).then(
    () => assert.unreachable('the save succeeded'),
    (e: unknown) => e,
  );
  restore();
  assert.instance(err, FileError);
  assert.is(failureMessage(err), `cannot write ${join(run, 'checkpoints', 'step-00000008')}: no space left on device (ENOSPC)`);
  assert.equal(readdirSync(join(run, 'checkpoints')).sort(), ['latest', 'step-00000004']);
  assert.is(resolveCheckpoint(run), join(run, 'checkpoints', 'step-00000004'));
  assert.is((await readCheckpoint(run)).manifest.step, 4);
});

test('a run whose second checkpoint fails: one line with the last complete checkpoint, lock released, resumable', async () => {
  const config = tinyConfig(root, { checkpoints: join(root, 'runs'), 'train.epochs': '1' });
  const restore = fillCheckpointDisk(2); // the first checkpoint (tensors.bin, manifest.json) is written
  const err = await train({ config, ...quiet }).then(
    () => assert.unreachable('the run finished'),
    (e: unknown) => e,
  );
  restore();
  const [run] = readdirSync(join(root, 'runs', 'tiny')).map((name) => join(root, 'runs', 'tiny', name));
  assert.is(
    failureMessage(err),
    `cannot write ${join(run, 'checkpoints', 'step-00000008')}: no space left on device (ENOSPC); ` +
      `the last complete checkpoint is step 4 (continue with: skiptrain train --resume ${run})`,
  );
  assert.equal(readdirSync(join(run, 'checkpoints')).sort(), ['latest', 'step-00000004']);
  assert.not.ok(existsSync(join(run, RUN_LOCK_NAME)), 'the lock is released on an error');

  const resumed = await train({ config, resume: run, ...quiet });
  assert.is(resumed.epoch, 1);
  assert.is((await readCheckpoint(run)).manifest.step, resumed.step);
  assert.not.ok(existsSync(join(run, RUN_LOCK_NAME)), 'and on a normal end');
});

const withTmpfs = tmpfsTest(test, 'test/unit/train/writeFailures.test.ts');

withTmpfs('an event file on a full disk: flush and close fail naming the event file', async () => {
  const disk = mountTmpfs('size=1m');
  try {
    const writer = await EventWriter.create(disk.dir);
    fillUp(disk.dir);
    writer.histogram('weights/w', Float32Array.from({ length: 1000 }, (_, i) => i), 1);
    for (let i = 0; i < 2000; i++) writer.scalar('train/loss', i, i);
    const flushed = await writer.flush().catch((e: unknown) => e);
    assert.is(failureMessage(flushed), `cannot write ${writer.path}: no space left on device (ENOSPC)`);
    assert.is(await writer.close().catch((e: unknown) => e), flushed, 'close reports the same failure and closes the file');
  } finally {
    disk.unmount();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

// Training end to end on synthetic data: the LSTM must beat the simple baselines on the same validation batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalBatches, loadDataContext } from '../../../src/data/batch/batches.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { readCheckpoint } from '../../../src/train/checkpoint.ts';
import { train } from '../../../src/train/trainer.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

const root = mkdtempSync(join(tmpdir(), 'skiptrain-learns-'));
/**
 * The model must beat the best baseline's accuracy by at least this much (absolute). Seeds 1-5 (data seed 3-7, train
 * seed 1-5): +0.021, +0.034, +0.030, +0.029, +0.028, mean 0.028, sd 0.005; the bar is mean − 4 sd.
 */
const MARGIN = 0.01;

/** Accuracy over the masked (hidden) positions of the majority label and of repeating each session's last known label. */
function baselineAccuracies(batches: Batch[]) {
  let ones = 0;
  let count = 0;
  let lastSkipCorrect = 0;
  for (const batch of batches) {
    const T = batch.seqLen;
    for (let b = 0; b < batch.size; b++) {
      let lastKnown = 0;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        if (batch.known[i]) lastKnown = batch.labels[i];
        if (!batch.mask[i]) continue;
        count++;
        ones += batch.labels[i];
        if (lastKnown === batch.labels[i]) lastSkipCorrect++;
      }
    }
  }
  return { majority: Math.max(ones, count - ones) / count, lastSkip: lastSkipCorrect / count, count };
}

test('an LSTM trained on synthetic sessions beats majority and repeat-last-skip on validation accuracy', async () => {
  // wasm is ~10× faster than cpu here and this test needs learning, not bit-exactness. Selected inside the test
  // (and restored after): test files share one process, and other files pick their backend at import time.
  const previous = tf.getBackend();
  await selectBackend('wasm', () => {});
  try {
    await trainAndCompare();
  } finally {
    if (previous) await tf.setBackend(previous);
  }
});

async function trainAndCompare() {
  const config = tinyConfig(root, {
    backend: 'wasm',
    'data.synth.sessions': '6000',
    'data.synth.tracks': '1000',
    'model.hidden': '32',
    'model.trackBuckets': '0', // an id embedding overfits 3000 training sessions
    'model.dropout': '0.1',
    'train.epochs': '3',
    'train.batchSize': '32',
    'train.lr': '0.01',
    'train.warmupSteps': '10',
    'train.checkpointEvery': '0',
    'train.histogramEvery': '0',
    'train.logEvery': '20',
  });
  const result = await train({ config, log: () => {}, progressStream: { write: () => true, isTTY: false } });
  assert.ok(result.metrics, 'validation ran');

  const { manifest } = await readCheckpoint(result.runFolder);
  const ctx = await loadDataContext(config, { stats: manifest.stats, log: () => {} });
  const batches: Batch[] = [];
  for await (const batch of evalBatches(ctx, { view: 'challenge' })) batches.push(batch);
  const base = baselineAccuracies(batches);
  const accuracy = result.metrics!['val/accuracy'];
  const best = Math.max(base.majority, base.lastSkip);
  console.log(`  val accuracy ${accuracy.toFixed(4)} vs majority ${base.majority.toFixed(4)}, last skip ${base.lastSkip.toFixed(4)} (${base.count} positions); MAA ${result.metrics!['val/mean_average_accuracy'].toFixed(4)}`);
  assert.ok(accuracy >= best + MARGIN, `accuracy ${accuracy} does not beat the best baseline ${best} by ${MARGIN}`);
}

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

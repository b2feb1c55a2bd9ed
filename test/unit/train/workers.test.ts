// Data-parallel training, its parts: slice gradients add up to the batch's, predictions spread over threads, and the
// step count and worker count rules. (A 2-thread run against a 1-thread one: test/e2e/train/gradientThreads.test.ts;
// exact resume of a 2-thread run: test/e2e/train/resume.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/config/schema.ts';
import { inputFeatureCount } from '../../../src/data/batch/features.ts';
import { createModel, predictProbabilities } from '../../../src/models/model.ts';
import { batchLoss, lossDenominator, lossWeights } from '../../../src/train/loss.ts';
import { createPredictor, resolveWorkers } from '../../../src/train/workers/stepper.ts';
import { sliceBatch, sliceRanges } from '../../../src/train/workers/sliceBatch.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { challengeBatch } from '../../../scripts/bench/trainer-step.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
/** Only the config is built (the train.workers rules): nothing is written here. */
const root = join(tmpdir(), 'skiptrain-workers');

const randomBatch = (B: number) => challengeBatch(B, 20, 50, 5);

test('slices cover the batch in order, sizes differ by at most one, empty ones left out', () => {
  assert.equal(sliceRanges(10, 3), [[0, 3], [3, 6], [6, 10]]);
  assert.equal(sliceRanges(1, 2), [[0, 1]]);
  const batch = randomBatch(5);
  const s = sliceBatch(batch, 2, 4);
  assert.is(s.size, 2);
  assert.equal(Array.from(s.mask), Array.from(batch.mask.subarray(2 * 20, 4 * 20)));
  assert.equal(s.sessionIds, ['s2', 's3']);
});

for (const type of ['lstm', 'transformer'] as const) {
  test(`${type}: gradients of slices divided by the whole batch's denominator add up to the batch's gradient`, () => {
    const model = createModel({ ...DEFAULTS.model, type, hidden: 8, heads: 2, ff: 16, dropout: 0, trackBuckets: 32, trackEmbedding: 4 }, inputFeatureCount(), 3);
    const batch = randomBatch(7);
    const variables = [...model.weights.values()];
    const opts = { training: true, knownWeight: 0.5 };
    const gradsOf = (b: Batch, denominator?: number) => {
      const { value, grads } = tf.variableGrads(() => batchLoss(model, b, { ...opts, denominator }).loss, variables);
      const out = { loss: value.dataSync()[0], grads: new Map(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())])) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const whole = gradsOf(batch);
    const denominator = lossDenominator(lossWeights(batch, opts.knownWeight));
    const parts = sliceRanges(batch.size, 3).map(([a, b]) => gradsOf(sliceBatch(batch, a, b), denominator));
    assert.ok(Math.abs(parts.reduce((s, p) => s + p.loss, 0) - whole.loss) < 1e-5, 'losses add up');
    for (const [name, g] of whole.grads) {
      const scale = Math.max(1e-3, ...g.map(Math.abs));
      g.forEach((value, i) => {
        const summed = parts.reduce((s, p) => s + p.grads.get(name)![i], 0);
        if (Math.abs(summed - value) > 1e-4 * scale) assert.unreachable(`${name}[${i}]: slices sum to ${summed}, the batch gives ${value}`);
      });
    }
    model.dispose();
  });
}

test('predictions spread over 3 threads equal those of one thread (evaluate and predict use this)', async () => {
  for (const type of ['lstm', 'transformer'] as const) {
    const model = createModel({ ...DEFAULTS.model, type, hidden: 8, heads: 2, ff: 16, trackBuckets: 32, trackEmbedding: 4 }, inputFeatureCount(), 4);
    const predictor = await createPredictor(model, 3);
    try {
      assert.is(predictor.workers, 3);
      for (const B of [7, 2]) {
        const batch = randomBatch(B);
        const [spread, one] = [await predictor.predict(batch), await predictProbabilities(model, batch)];
        assert.is(spread.length, one.length);
        one.forEach((p, i) => Math.abs(p - spread[i]) <= 1e-6 || assert.unreachable(`${type} B=${B} [${i}]: ${spread[i]} vs ${p}`));
      }
    } finally {
      await predictor.dispose();
      model.dispose();
    }
  }
});

test('train.workers takes auto or a positive integer; anything else names the key', () => {
  assert.is(tinyConfig(root, { 'train.workers': 'auto' }).train.workers, 'auto');
  assert.is(tinyConfig(root, { 'train.workers': '3' }).train.workers, 3);
  for (const bad of ['0', 'many', '1.5']) {
    assert.throws(() => tinyConfig(root, { 'train.workers': bad }), (e: Error) => /train\.workers': expected auto or an integer from 1 to 1024/.test(e.message));
  }
});

test('train.workers: auto is the core count, capped by the batch; 1 on backends that own a device', () => {
  const logs: string[] = [];
  const log = (s: string) => logs.push(s);
  assert.is(resolveWorkers({ workers: 3, batchSize: 64 }, 'wasm', log), 3);
  assert.is(resolveWorkers({ workers: 8, batchSize: 2 }, 'cpu', log), 2);
  assert.ok(resolveWorkers({ workers: 'auto', batchSize: 64 }, 'wasm', log) >= 1);
  assert.is(resolveWorkers({ workers: 4, batchSize: 64 }, 'webgpu', log), 1);
  assert.match(logs.join('\n'), /train.workers: 4 ignored on the webgpu backend/);
});

test.run();

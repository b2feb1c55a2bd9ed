import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Batch } from '../../../src/data/format/types.ts';
import { makeBaselines, BASELINE_NAMES } from '../../../src/eval/baselines.ts';
import { evaluatePredictors, METRIC_KEYS } from '../../../src/eval/evaluation.ts';
import { auc, logLoss } from '../../../src/eval/metrics.ts';
import type { Predictor } from '../../../src/eval/predictor.ts';
import { formatSummaryTable, summarize } from '../../../src/eval/summary.ts';
import { asBatches, handBatch, handStats, scored } from '../../helpers/handBatches.ts';

const stats = handStats([0.4, 0.6]);
const sessions = [
  { id: 'a', skips: [1, 0, 0, 1, 1] },
  { id: 'b', skips: [0, 1, 1, 0] },
];
// Two batches per view so that accumulation across batches is exercised.
const views = () => ({
  challenge: asBatches(handBatch([sessions[0]], 'challenge'), handBatch([sessions[1]], 'challenge')),
  perPosition: asBatches(handBatch([sessions[0]], 'per-position'), handBatch([sessions[1]], 'per-position')),
});
/** Reads the answer: a perfect model, to check the top of every scale. */
const oracle: Predictor = (batch) => Float32Array.from(batch.labels, (y) => (y ? 0.85 : 0.15));

async function run(model: Predictor = oracle) {
  return evaluatePredictors({ ...views(), predictors: { model, ...makeBaselines(stats, 1) }, calibrationOf: 'model' });
}

test('MAA and FPA of lastSkip on the challenge view, computed by hand', async () => {
  const out = await run();
  // a: hidden truth 0,1,1, guess 0,0,0 → AA = (1/1)/3; b: truth 1,0, guess 1,1 → AA = 1/2; both first guesses right
  assert.ok(Math.abs(out.metrics.lastSkip.maa - (1 / 3 + 1 / 2) / 2) < 1e-12);
  assert.is(out.metrics.lastSkip.fpa, 1);
  assert.is(out.metrics.model.maa, 1);
  assert.is(out.sessions, 2);
  assert.is(out.hiddenRows, 5);
  assert.is(out.rows, 9);
});

test('per-position accuracy, AUC and log loss agree with the exact formulas', async () => {
  const out = await run();
  // lastSkip per-position guesses: a 1(fallback .5),1,0,0,1 vs 1,0,0,1,1 → 3 right; b 1,0,1,1 vs 0,1,1,0 → 1 right
  assert.ok(Math.abs(out.metrics.lastSkip.accuracy - 4 / 9) < 1e-12);
  const truth = [1, 0, 0, 1, 1, 0, 1, 1, 0];
  const probs = [0.5, 1, 0, 0, 1, 0.5, 0, 1, 1];
  assert.ok(Math.abs(out.metrics.lastSkip.auc - auc(probs, truth)) < 1e-9);
  assert.ok(Math.abs(out.metrics.lastSkip.logLoss - logLoss(probs, truth)) < 1e-6);
  assert.is(out.metrics.majority.auc, 0.5);
  assert.is(out.metrics.model.accuracy, 1);
  assert.is(out.metrics.model.auc, 1);
});

test('random probabilities: binned AUC matches the exact one', async () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, skips: Array.from({ length: 10 + (i % 11) }, (_, t) => (i * 7 + t * 3) % 5 < 2 ? 1 : 0) }));
  const random = makeBaselines(stats, 9).random;
  const out = await evaluatePredictors({
    challenge: asBatches(handBatch(many, 'challenge')),
    perPosition: asBatches(handBatch(many, 'per-position')),
    predictors: { model: random },
    calibrationOf: 'model',
  });
  const batch = handBatch(many, 'per-position');
  const p = random(batch);
  const probs = many.flatMap((_, b) => scored(batch, p, b));
  const truth = many.flatMap((_, b) => scored(batch, batch.labels, b));
  assert.ok(Math.abs(out.metrics.model.auc - auc(probs, truth)) < 1e-3);
  assert.ok(Math.abs(out.metrics.model.logLoss - logLoss(probs, truth)) < 1e-6);
});

test('by position: rows, truth skip rate, mean probability, accuracy of every predictor', async () => {
  const out = await run();
  assert.equal(out.byPosition.map((p) => p.position), [1, 2, 3, 4, 5]);
  assert.equal(out.byPosition.map((p) => p.rows), [2, 2, 2, 2, 1]);
  assert.equal(out.byPosition.map((p) => p.skipRate), [0.5, 0.5, 0.5, 0.5, 1]);
  assert.ok(Math.abs(out.byPosition[4].meanPredicted - 0.85) < 1e-6);
  assert.equal(out.byPosition[1].accuracy.lastSkip, 0); // a: guess 1 truth 0; b: guess 0 truth 1
  assert.equal(Object.keys(out.byPosition[0].accuracy).sort(), ['model', ...BASELINE_NAMES].sort());
  const calibrated = out.calibration.filter((c) => c.rows > 0);
  assert.equal(calibrated.map((c) => [c.lower, c.rows, c.observedRate]), [[0.1, 4, 0], [0.8, 5, 1]]);
});

test('the summary has the published JSON shape, the same keys in every block', async () => {
  const summary = summarize(await run(), { days: ['2018-09-17'] });
  const json = JSON.parse(JSON.stringify(summary));
  assert.is(json.sessions, 2);
  assert.equal(Object.keys(json.model), [...METRIC_KEYS]);
  assert.equal(Object.keys(json.baselines), ['random', 'majority', 'lastSkip', 'positionRate']);
  for (const block of Object.values(json.baselines)) assert.equal(Object.keys(block as object), Object.keys(json.model));
  assert.ok(Array.isArray(json.byPosition) && json.byPosition.length === 5);
  assert.ok(typeof json.protocol.maa === 'string' && json.protocol.maa.includes('challenge'));
  const table = formatSummaryTable(summary);
  for (const name of ['model', ...BASELINE_NAMES, 'MAA', 'FPA', 'AUC', 'log loss', 'per-position', 'challenge']) assert.ok(table.includes(name), name);
});

test('an empty evaluation reports zero sessions and NaN scores rather than crashing', async () => {
  const none = async function* (): AsyncIterable<Batch> {};
  const out = await evaluatePredictors({ challenge: none(), perPosition: none(), predictors: { model: oracle }, calibrationOf: 'model' });
  assert.is(out.sessions, 0);
  assert.ok(Number.isNaN(out.metrics.model.maa));
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBaselines } from '../../../src/eval/baselines.ts';
import { evaluatePredictors } from '../../../src/eval/evaluation.ts';
import { CHART_TITLES, writeEvaluationReport, type ScalarSeries } from '../../../src/eval/report.ts';
import { summarize } from '../../../src/eval/summary.ts';
import { asBatches, handBatch, handStats } from '../../helpers/handBatches.ts';

const stats = handStats([0.3, 0.5, 0.6]);
const sessions = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, skips: Array.from({ length: 10 + (i % 5) }, (_, t) => ((i + t) % 3 === 0 ? 1 : 0)) }));

async function summary() {
  const baselines = makeBaselines(stats, 1);
  const outcome = await evaluatePredictors({
    challenge: asBatches(handBatch(sessions, 'challenge')),
    perPosition: asBatches(handBatch(sessions, 'per-position')),
    predictors: { model: baselines.lastSkip, ...baselines },
    calibrationOf: 'model',
  });
  return summarize(outcome, { logs: 'hand-made' });
}

const scalars: ScalarSeries = new Map([
  ['train/loss', Array.from({ length: 30 }, (_, i) => ({ step: i * 10, value: 0.7 - i * 0.005 }))],
  ['val/loss', [{ step: 100, value: 0.68 }, { step: 200, value: 0.66 }]],
  ['val/mean_average_accuracy', [{ step: 100, value: 0.5 }, { step: 200, value: 0.55 }]],
]);

test('the report is one offline HTML file with every chart, and metrics.json beside it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-report-'));
  const s = await summary();
  const metricsPath = await writeEvaluationReport(join(dir, 'report.html'), s, scalars, 'Evaluation');
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  for (const title of Object.values(CHART_TITLES)) assert.ok(html.includes(title), title);
  assert.ok(html.includes('Training curves: val/mean_average_accuracy'));
  // 3 evaluation charts + loss + one validation metric
  assert.is((html.match(/<svg/g) ?? []).length, 5);
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  assert.ok(html.includes('MAA (challenge)') && html.includes('log loss (per-position)'));
  assert.is(metricsPath, join(dir, 'metrics.json'));
  const metrics = JSON.parse(readFileSync(metricsPath, 'utf8'));
  assert.equal(metrics, JSON.parse(JSON.stringify(s)));
  assert.equal(readdirSync(dir).sort(), ['metrics.json', 'report.html']);
});

test('without training scalars the report says so instead of drawing empty charts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-report-'));
  await writeEvaluationReport(join(dir, 'r.html'), await summary(), new Map(), 'Evaluation');
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  assert.is((html.match(/<svg/g) ?? []).length, 3);
  assert.ok(html.includes('No TensorBoard scalars'));
});

test.run();

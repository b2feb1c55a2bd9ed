// The evaluation report: one self-contained HTML page (charts as inline SVG) plus metrics.json beside it with
// every number the page shows.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { htmlTable, writeHtmlReport, type ReportSection, type VegaLiteSpec } from '../report/html.ts';
import { BASELINE_NAMES } from './baselines.ts';
import { METRIC_KEYS } from './evaluation.ts';
import { MODEL_NAME, type EvaluationSummary } from './summary.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export type ScalarSeries = Map<string, { step: number; value: number }[]>;

const WIDTH = 460;
const HEIGHT = 280;
const MAX_POINTS_PER_CURVE = 400;

export const CHART_TITLES = {
  accuracy: 'Accuracy by session position (per-position view)',
  calibration: 'Calibration: predicted probability vs observed skip rate',
  skipRate: 'Skip rate by session position: truth vs predicted',
  loss: 'Training curves: loss',
} as const;

const PREDICTORS = [MODEL_NAME, ...BASELINE_NAMES];

/** A line per series over session positions: the shape of the accuracy and skip-rate charts. */
function byPositionChart(title: string, values: object[], y: { field: string; title: string }, series: Record<string, unknown>): VegaLiteSpec {
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'position', type: 'ordinal', title: 'session_position' },
      y: { field: y.field, type: 'quantitative', title: y.title, scale: { zero: false } },
      ...series,
    },
  };
}

export function accuracyByPositionChart(summary: EvaluationSummary): VegaLiteSpec {
  const values = summary.byPosition.flatMap((p) => PREDICTORS.map((n) => ({ position: p.position, predictor: n, accuracy: p.accuracy[n as keyof typeof p.accuracy] })));
  return byPositionChart(CHART_TITLES.accuracy, values, { field: 'accuracy', title: 'accuracy' }, {
    color: { field: 'predictor', type: 'nominal', sort: PREDICTORS },
    strokeWidth: { condition: { test: `datum.predictor === '${MODEL_NAME}'`, value: 3 }, value: 1.5 },
  });
}

export function calibrationChart(summary: EvaluationSummary): VegaLiteSpec {
  const bins = summary.calibration.filter((c) => c.rows > 0);
  return {
    title: CHART_TITLES.calibration,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: bins },
        encoding: {
          x: { field: 'meanPredicted', type: 'quantitative', title: 'mean predicted probability (bin)', scale: { domain: [0, 1] } },
          y: { field: 'observedRate', type: 'quantitative', title: 'observed skip rate', scale: { domain: [0, 1] } },
        },
        layer: [
          { mark: { type: 'line', strokeWidth: 2 } },
          { mark: { type: 'circle', opacity: 0.8 }, encoding: { size: { field: 'rows', type: 'quantitative', title: 'rows in bin' } } },
        ],
      },
    ],
  };
}

export function skipRateChart(summary: EvaluationSummary): VegaLiteSpec {
  const values = summary.byPosition.flatMap((p) => [
    { position: p.position, series: 'truth', rate: p.skipRate },
    { position: p.position, series: 'model (mean probability)', rate: p.meanPredicted },
  ]);
  return byPositionChart(CHART_TITLES.skipRate, values, { field: 'rate', title: 'skip rate' }, { color: { field: 'series', type: 'nominal' } });
}

/** Keep at most `max` points of a curve, evenly spread, always keeping the last. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const stride = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}

function curveChart(title: string, tags: string[], scalars: ScalarSeries): VegaLiteSpec {
  const values = tags.flatMap((tag) => thin(scalars.get(tag)!, MAX_POINTS_PER_CURVE).map((p) => ({ step: p.step, value: p.value, tag })));
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative', scale: { zero: false } },
      color: { field: 'tag', type: 'nominal' },
    },
  };
}

/** Loss curves together (train and validation), then one chart per validation metric, then anything else. */
export function trainingCurveCharts(scalars: ScalarSeries): VegaLiteSpec[] {
  const tags = [...scalars.keys()].filter((t) => (scalars.get(t)?.length ?? 0) > 0).sort();
  const losses = tags.filter((t) => /loss/i.test(t));
  const rest = tags.filter((t) => !losses.includes(t));
  const charts: VegaLiteSpec[] = [];
  if (losses.length) charts.push(curveChart(CHART_TITLES.loss, losses, scalars));
  for (const tag of rest.slice(0, 8)) charts.push(curveChart(`Training curves: ${tag}`, [tag], scalars));
  return charts;
}

function metricsTable(summary: EvaluationSummary): string {
  const rows = [[MODEL_NAME, summary.model] as const, ...BASELINE_NAMES.map((n) => [n, summary.baselines[n]] as const)];
  return htmlTable(
    ['predictor', 'MAA (challenge)', 'FPA (challenge)', 'accuracy (per-position)', 'AUC (per-position)', 'log loss (per-position)'],
    rows.map(([name, m]) => [name, ...METRIC_KEYS.map((k) => (Number.isFinite(m[k]) ? m[k] : 'n/a'))]),
  );
}

function byPositionTable(summary: EvaluationSummary): string {
  return htmlTable(
    ['position', 'rows', 'truth skip rate', 'model mean probability', ...PREDICTORS.map((n) => `${n} accuracy`)],
    summary.byPosition.map((p) => [p.position, p.rows, p.skipRate, p.meanPredicted, ...PREDICTORS.map((n) => p.accuracy[n as keyof typeof p.accuracy])]),
  );
}

/** Write `path` (HTML) and metrics.json in the same folder; returns the metrics.json path. */
export async function writeEvaluationReport(path: string, summary: EvaluationSummary, scalars: ScalarSeries, title: string): Promise<string> {
  const curves = trainingCurveCharts(scalars);
  const sections: ReportSection[] = [
    {
      title: 'Scores',
      intro:
        `${summary.sessions} sessions. MAA and FPA follow the challenge protocol (the first floor(L/2) tracks known in full, ` +
        'the rest predicted from their tracks only); accuracy, AUC and log loss follow the per-position protocol ' +
        '(each position predicted from everything before it). Every predictor scores the same sessions.',
      html: metricsTable(summary),
    },
    { title: 'Accuracy by position', charts: [accuracyByPositionChart(summary)], html: byPositionTable(summary) },
    { title: 'Calibration and skip rate', charts: [calibrationChart(summary), skipRateChart(summary)] },
    curves.length
      ? { title: 'Training curves', intro: 'Read back from the run folder\'s TensorBoard event files.', charts: curves }
      : { title: 'Training curves', intro: 'No TensorBoard scalars were found in the run folder.' },
  ];
  const source = Object.entries(summary.source).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  await writeHtmlReport(path, title, sections, source.join(' · '));
  const metricsPath = join(dirname(path), 'metrics.json');
  await mkdir(dirname(metricsPath), { recursive: true });
  await writeFileAtomic(metricsPath, `${JSON.stringify(summary, null, 2)}\n`);
  return metricsPath;
}

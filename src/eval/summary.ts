// The evaluation's public shape (what `--json` and the report's metrics.json hold) and its one printed table.
import { BASELINE_NAMES, type BaselineName } from './baselines.ts';
import { METRIC_KEYS, PROTOCOL_NOTE, type CalibrationBin, type EvaluationOutcome, type MetricBlock } from './evaluation.ts';

export const MODEL_NAME = 'model';

/** The table's name for ensemble member k (0-based). */
export const memberName = (k: number) => `member ${k + 1}`;

/** One model of an ensemble, scored on its own. */
export interface MemberScore {
  checkpoint: string;
  step: number;
  metrics: MetricBlock;
}

export interface EvaluationSummary {
  sessions: number;
  /** The model; for several checkpoints, their ensemble (mean probability). */
  model: MetricBlock;
  /** Each checkpoint of an ensemble on its own (only when several were given). */
  members?: MemberScore[];
  baselines: Record<BaselineName, MetricBlock>;
  byPosition: {
    position: number;
    rows: number;
    skipRate: number;
    meanPredicted: number;
    accuracy: { model: number } & Record<BaselineName, number>;
  }[];
  protocol: typeof PROTOCOL_NOTE;
  rows: { perPosition: number; challengeHidden: number };
  calibration: CalibrationBin[];
  /** Where the numbers came from: checkpoint, days or logs, label, step. */
  source: Record<string, unknown>;
}

export function summarize(outcome: EvaluationOutcome, source: Record<string, unknown>): EvaluationSummary {
  const baselines = Object.fromEntries(BASELINE_NAMES.map((n) => [n, outcome.metrics[n]])) as Record<BaselineName, MetricBlock>;
  return {
    sessions: outcome.sessions,
    model: outcome.metrics[MODEL_NAME],
    baselines,
    byPosition: outcome.byPosition.map((p) => ({
      position: p.position,
      rows: p.rows,
      skipRate: p.skipRate,
      meanPredicted: p.meanPredicted,
      accuracy: Object.fromEntries([MODEL_NAME, ...BASELINE_NAMES].map((n) => [n, p.accuracy[n]])) as EvaluationSummary['byPosition'][number]['accuracy'],
    })),
    protocol: PROTOCOL_NOTE,
    rows: { perPosition: outcome.rows, challengeHidden: outcome.hiddenRows },
    calibration: outcome.calibration,
    source,
  };
}

const HEADINGS: Record<(typeof METRIC_KEYS)[number], string> = {
  maa: 'MAA',
  fpa: 'FPA',
  accuracy: 'accuracy',
  auc: 'AUC',
  logLoss: 'log loss',
};

/** One plain-text table: a row per predictor, model first, then the protocol behind each column. */
export function formatSummaryTable(summary: EvaluationSummary): string {
  const members = summary.members ?? [];
  const rows: [string, MetricBlock][] = [
    [members.length ? `ensemble of ${members.length}` : MODEL_NAME, summary.model],
    ...members.map((m, k) => [`  ${memberName(k)}`, m.metrics] as [string, MetricBlock]),
    ...BASELINE_NAMES.map((n) => [n, summary.baselines[n]] as [string, MetricBlock]),
  ];
  const header = ['', ...METRIC_KEYS.map((k) => HEADINGS[k])];
  const cells = rows.map(([name, m]) => [name, ...METRIC_KEYS.map((k) => (Number.isFinite(m[k]) ? m[k].toFixed(4) : 'n/a'))]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [
    `${summary.sessions} sessions (${summary.rows.perPosition} rows per-position, ${summary.rows.challengeHidden} hidden rows challenge)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...members.map((m, k) => `${memberName(k)}: ${m.checkpoint} (step ${m.step})`),
    'MAA, FPA: challenge protocol (first floor(L/2) tracks known, the rest predicted from their tracks only).',
    'accuracy, AUC, log loss: per-position protocol (each position predicted from everything before it).',
  ].join('\n');
}

// sweep.html: every trial of a sweep in a table sorted by the validation metric, and one scatter plot per searched
// key (the metric against the key's value, coloured by how far halving let the trial go); self-contained.
import { join } from 'node:path';
import type { SweepSpec } from '../train/sweep/spec.ts';
import { rankedTrials, type SweepState } from '../train/sweep/state.ts';
import { htmlTable, writeHtmlReport, type VegaLiteSpec } from './html.ts';

export const sweepReportPath = (folder: string) => join(folder, 'sweep.html');

function scatter(state: SweepState, key: string, log: boolean): VegaLiteSpec {
  const values = state.trials
    .filter((t) => t.bestMetric !== undefined && t.bestMetric !== null)
    .map((t) => ({ trial: t.id, value: t.values[key], metric: t.bestMetric, rung: `rung ${t.rung + 1}` }));
  const numeric = values.every((v) => typeof v.value === 'number');
  return {
    title: `${state.metric} by ${key}`,
    width: 320,
    height: 220,
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: { field: 'value', type: numeric ? 'quantitative' : 'nominal', title: key, ...(numeric ? { scale: log ? { type: 'log' } : { zero: false } } : {}) },
      y: { field: 'metric', type: 'quantitative', title: state.metric, scale: { zero: false } },
      color: { field: 'rung', type: 'nominal', title: 'reached' },
    },
  };
}

export async function writeSweepReport(folder: string, spec: SweepSpec, state: SweepState): Promise<string> {
  const keys = spec.space.map(([key]) => key);
  const rows = rankedTrials(state).map((t, i) => [
    i + 1,
    t.id,
    ...keys.map((k) => String(t.values[k])), // as drawn: a table's 4 decimals would hide a learning rate
    t.bestMetric ?? '–',
    `${t.rung + 1}/${state.rungs.length}`,
    t.step,
    t.status,
    t.runFolder,
  ]);
  const table = htmlTable(['rank', 'trial', ...keys, state.metric, 'rung', 'step', 'status', 'run folder'], rows);
  const path = sweepReportPath(folder);
  const direction = state.lowerIsBetter ? 'lower is better' : 'higher is better';
  await writeHtmlReport(
    path,
    `Sweep ${state.name}`,
    [
      {
        title: 'Trials',
        intro: `${state.trials.length} trials (${spec.method}, seed ${spec.seed}), ranked by their best ${state.metric} on the validation days (${direction}). Rungs end at ${state.rungs.map((f) => `${+(f * 100).toFixed(1)}%`).join(', ')} of the budget of ${spec.budget.amount} ${spec.budget.unit}; each keeps the best 1/${spec.halving.eta}.`,
        html: table,
      },
      { title: 'Metric by value', charts: spec.space.map(([key, d]) => scatter(state, key, d.kind === 'loguniform')) },
    ],
    `status: ${state.status}`,
  );
  return path;
}

// `sweep --final K`: the one step that looks at the test days. The best K trials (by the validation metric) are
// trained with 3 seeds each on the training days — a trial that used its whole budget is its own first seed —
// then each model, each configuration's 3-seed ensemble and the ensemble of them all are scored on data.testDays.
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { evaluateCheckpoint } from '../eval/evaluateCheckpoint.ts';
import type { MetricBlock } from '../eval/evaluation.ts';
import { selectBackend } from '../models/backend.ts';
import { runConfigPath } from '../train/runFolder.ts';
import { runPool } from '../train/sweep/pool.ts';
import { prepareTrialFolder } from '../train/sweep/runSweep.ts';
import { rankedTrials, type SweepState, type TrialState } from '../train/sweep/state.ts';
import { logTail, reached, startTrial, waitForRunLock } from '../train/sweep/trialProcess.ts';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export const FINAL_SEEDS = 3;

export interface FinalRow {
  trial: string;
  values: TrialState['values'];
  validation: number;
  /** The run folders of the seeds. */
  runs: string[];
  /** Each seed's test metrics. */
  seeds: MetricBlock[];
  /** The seeds' ensemble (mean probability). */
  ensemble: MetricBlock;
}

export interface FinalResult {
  testDays: string[];
  rows: FinalRow[];
  /** Every model of every row as one ensemble (when K > 1). */
  all?: MetricBlock;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1). */
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

export async function runFinal(
  folder: string,
  state: SweepState,
  k: number,
  parallel: number,
  stop: AbortSignal,
  log: (line: string) => void,
): Promise<FinalResult | undefined> {
  const best = rankedTrials(state).filter((t) => t.bestMetric !== undefined && t.bestMetric !== null).slice(0, k);
  if (best.length === 0) throw new UserError('no trial has a validation metric: nothing to retrain');
  if (best.length < k) log(`note: only ${best.length} trials have a validation metric; --final ${k} retrains those`);
  const jobs: { run: string; config: Config }[] = [];
  const rows = best.map((trial) => {
    const config = loadConfig(runConfigPath(trial.runFolder), {}, { warn: () => {} });
    const runs = Array.from({ length: FINAL_SEEDS }, (_, i) => {
      const seed = config.train.seed + i;
      // A trial that trained its whole budget is already seed 0; the others train from scratch beside the sweep.
      if (i === 0 && trial.status === 'done') return trial.runFolder;
      const run = join(folder, 'final', `${trial.id}-seed${seed}`);
      jobs.push({ run, config: { ...config, train: { ...config.train, seed } } });
      return run;
    });
    return { trial, runs };
  });
  for (const job of jobs) await prepareTrialFolder(job.run, job.config);
  log(`final: ${rows.length} configuration${rows.length > 1 ? 's' : ''} × ${FINAL_SEEDS} seeds (${jobs.length} runs to train, ${parallel} at once)`);
  const failed: string[] = [];
  const interrupted = await runPool(jobs, parallel, stop, async ({ run }, started) => {
    await waitForRunLock(run, log);
    if (reached(run, 1)) return;
    const child = startTrial(run, 1);
    started(child);
    const code = await child.exited;
    if (code !== 0 && code !== 130) failed.push(`${run}: ${logTail(run, 1)}`);
    else if (code === 0) log(`final: trained ${run}`);
  });
  if (interrupted) return undefined;
  if (failed.length) throw new UserError(`final runs failed: ${failed.join('; ')}`);

  const first = loadConfig(runConfigPath(rows[0].runs[0]), {}, { warn: () => {} });
  await selectBackend(first.backend, log);
  const quiet = () => {};
  const result: FinalResult = { testDays: first.data.testDays, rows: [] };
  for (const { trial, runs } of rows) {
    // Only now are the test days read: evaluate scores a run's data.testDays by default.
    const { summary } = await evaluateCheckpoint({ checkpoint: runs, log: quiet });
    result.rows.push({ trial: trial.id, values: trial.values, validation: trial.bestMetric!, runs, seeds: summary.members!.map((m) => m.metrics), ensemble: summary.model });
  }
  if (rows.length > 1) result.all = (await evaluateCheckpoint({ checkpoint: rows.flatMap((r) => r.runs), log: quiet })).summary.model;
  await writeFileAtomic(join(folder, 'final.json'), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

/** The printed table: per configuration, the seeds' mean ± sd and their ensemble, on the test days. */
export function formatFinalTable(result: FinalResult, metric: string): string {
  const pm = (xs: number[]) => `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}`;
  const header = ['config', `val ${metric.replace('val/', '')}`, `test MAA (${FINAL_SEEDS} seeds)`, `test FPA (${FINAL_SEEDS} seeds)`, 'ensemble MAA', 'ensemble FPA', 'values'];
  const rows = result.rows.map((r) => [
    r.trial,
    r.validation.toFixed(4),
    pm(r.seeds.map((s) => s.maa)),
    pm(r.seeds.map((s) => s.fpa)),
    r.ensemble.maa.toFixed(4),
    r.ensemble.fpa.toFixed(4),
    Object.entries(r.values).map(([k, v]) => `${k}=${v}`).join(' '),
  ]);
  if (result.all) rows.push([`all ${result.rows.length}×${FINAL_SEEDS}`, '', '', '', result.all.maa.toFixed(4), result.all.fpa.toFixed(4), 'ensemble of every model above']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [`test days ${result.testDays.join(', ')} (data.testDays); mean ± sd over seeds`, line(header), ...rows.map(line)].join('\n');
}

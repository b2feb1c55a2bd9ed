// evaluate's flow once a backend is active (the evaluate command runs it, and the demo): score, print the table,
// write --json and --report.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { evaluateCheckpoint, type EvaluateOptions } from '../eval/evaluateCheckpoint.ts';
import { writeEvaluationReport, type ScalarSeries } from '../eval/report.ts';
import { formatSummaryTable } from '../eval/summary.ts';
import { readScalars } from '../train/tensorboard/reader.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { ProgressLine } from '../util/progress.ts';

/** Training curves for the report; a run without event files (or an unreadable one) just has none. */
async function trainingScalars(runDir: string | undefined, log: (s: string) => void): Promise<ScalarSeries> {
  if (!runDir) return new Map();
  try {
    return await readScalars(runDir, { onWarning: (message) => log(`warning: ${message}`) });
  } catch (e) {
    log(`note: no training curves in the report (${(e as Error).message})`);
    return new Map();
  }
}

export interface EvaluationRun extends Omit<EvaluateOptions, 'log' | 'onProgress'> {
  json?: string;
  report?: string;
  /** The report's title (default: "Evaluation of <experiment>"). */
  title?: string;
}

/** Score, print the table, write --json and --report. */
export async function runEvaluation(run: EvaluationRun, log: (line: string) => void): Promise<void> {
  const progress = new ProgressLine();
  const { summary, checkpoint, ensemble, runDir } = await evaluateCheckpoint({
    ...run,
    log,
    onProgress: (p) => progress.update(`evaluating: ${p.sessions} sessions (${p.view} view)`),
  });
  progress.done();
  console.log(formatSummaryTable(summary));
  if (run.json) {
    await mkdir(dirname(run.json), { recursive: true });
    await writeFileAtomic(run.json, `${JSON.stringify(summary, null, 2)}\n`);
    log(`wrote ${run.json}`);
  }
  if (run.report) {
    const scalars = await trainingScalars(runDir, log);
    const n = ensemble.members.length;
    const experiment = checkpoint.config.experiment;
    const title = run.title ?? (n > 1 ? `Evaluation of an ensemble of ${n} ${experiment} models` : `Evaluation of ${experiment}`);
    const metricsPath = await writeEvaluationReport(run.report, summary, scalars, title);
    log(`wrote ${run.report} and ${metricsPath}`);
  }
}

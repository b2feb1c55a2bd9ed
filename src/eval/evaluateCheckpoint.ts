// `skiptrain evaluate` without the command line: a checkpoint, the sessions to score, then the model and every
// baseline on exactly those sessions. Reads the run folder, never writes into it.
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Config } from '../config/schema.ts';
import { evalBatches, loadDataContext, type DataContext } from '../data/batches.ts';
import * as tf from '@tensorflow/tfjs';
import { createPredictor, resolveWorkers } from '../train/workers/stepper.ts';
import { UserError } from '../errors.ts';
import { loadCheckpoint, type LoadedCheckpoint } from '../train/checkpoint.ts';
import { makeBaselines } from './baselines.ts';
import { evaluatePredictors, type EvaluationProgress } from './evaluation.ts';
import { summarize, MODEL_NAME, type EvaluationSummary } from './summary.ts';

export interface EvaluateOptions {
  checkpoint: string;
  /** Days to score (default: the run's held-out days). */
  days?: string[];
  /** Score every session of another logs source (optionally filtered by `days`). */
  logs?: string;
  /** Track features for `logs` (default: the run's). */
  tracks?: string;
  /** 0 or absent = all sessions. */
  maxSessions?: number;
  batchSize?: number;
  /** Seed of the random baseline. */
  seed?: number;
  log?: (line: string) => void;
  onProgress?: (p: EvaluationProgress) => void;
}

export interface CheckpointEvaluation {
  summary: EvaluationSummary;
  checkpoint: LoadedCheckpoint;
  /** The run folder (holds the TensorBoard event files), when the checkpoint sits in one. */
  runDir: string | undefined;
}

/** <run>/checkpoints/step-…  → <run>; undefined for a checkpoint folder kept elsewhere. */
export function runFolderOf(checkpointPath: string): string | undefined {
  const parent = dirname(checkpointPath);
  return basename(parent) === 'checkpoints' ? dirname(parent) : undefined;
}

/** Which sessions an evaluation scores, in words, for errors and the report. */
function describeSelection(config: Config, opts: EvaluateOptions): Record<string, unknown> {
  const logs = opts.logs ?? config.data.logs;
  if (opts.days) return { logs, days: opts.days };
  if (opts.logs) return { logs };
  if (config.data.split === 'session-hash') return { logs, split: `session-hash (${config.data.heldOutFraction} held out)` };
  return { logs, days: config.data.heldOutDays };
}

/** The given days that the run trained on (date split only: with a session-hash split every day is partly held out). */
function trainingDaysAmong(config: Config, days: string[]): string[] {
  const d = config.data;
  if (d.split !== 'date') return [];
  return days.filter((day) => (d.trainDays.length ? d.trainDays.includes(day) : !d.heldOutDays.includes(day)));
}

export async function evaluateCheckpoint(opts: EvaluateOptions): Promise<CheckpointEvaluation> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const checkpoint = await loadCheckpoint(opts.checkpoint);
  const config: Config = structuredClone(checkpoint.config);
  if (opts.tracks) config.data.tracks = opts.tracks;
  if (opts.logs && !existsSync(opts.logs)) throw new UserError(`--logs: no such file or folder '${opts.logs}'`);
  if (opts.tracks && !existsSync(opts.tracks)) throw new UserError(`--tracks: no such file or folder '${opts.tracks}'`);
  if (!opts.days && !opts.logs && config.data.split === 'date' && !config.data.heldOutDays.length) {
    throw new UserError(`${checkpoint.path}: the run's config has no held-out days (data.heldOutDays); pass --days or --logs`);
  }
  const selection = describeSelection(config, opts);
  const trained = opts.days && !opts.logs ? trainingDaysAmong(config, opts.days) : [];
  if (trained.length) log(`warning: ${trained.join(', ')} ${trained.length > 1 ? 'are training days' : 'is a training day'} of this run: the scores will be optimistic`);

  const ctx: DataContext = await loadDataContext(config, { stats: checkpoint.stats, log });
  const batchOpts = { days: opts.days, logs: opts.logs, batchSize: opts.batchSize, maxSessions: opts.maxSessions ?? 0 };
  // The run's gradient threads predict here (train.workers on the active backend).
  const model = await createPredictor(checkpoint.model, resolveWorkers(config.train, tf.getBackend(), log));
  const outcome = await evaluatePredictors({
    challenge: evalBatches(ctx, { ...batchOpts, view: 'challenge' }),
    perPosition: evalBatches(ctx, { ...batchOpts, view: 'per-position' }),
    predictors: { [MODEL_NAME]: (batch) => model.predict(batch), ...makeBaselines(checkpoint.stats, opts.seed ?? 1) },
    calibrationOf: MODEL_NAME,
    onProgress: opts.onProgress,
  }).finally(() => model.dispose());
  if (outcome.sessions === 0) {
    const what = Object.entries(selection)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') || '(none)' : v}`)
      .join(', ');
    throw new UserError(`no sessions to evaluate: nothing in ${what} (is the day in the data? see 'skiptrain inspect')`);
  }
  const summary = summarize(outcome, {
    checkpoint: checkpoint.path,
    step: checkpoint.step,
    label: config.data.label,
    ...selection,
    ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
  });
  return { summary, checkpoint, runDir: runFolderOf(checkpoint.path) };
}

// `skiptrain evaluate` without the command line: a checkpoint (or several, as an ensemble), the sessions to score,
// then the model, each ensemble member and every baseline on exactly those sessions. By default the run's test
// split: the days (or share of sessions) that no choice during training looked at. Reads run folders, never writes.
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Config } from '../config/schema.ts';
import { evalBatches, loadDataContext, type DataContext } from '../data/batch/batches.ts';
import { heldOutDaysOf, testFractionOf, type HeldOutDays } from '../data/passes/split.ts';
import { UserError } from '../errors.ts';
import type { LoadedCheckpoint } from '../train/checkpoint.ts';
import { makeBaselines } from './baselines.ts';
import { loadEnsemble, trackTableWarnings, type Ensemble } from './ensemble.ts';
import { evaluatePredictors, type EvaluationProgress } from './evaluation.ts';
import { memberName, summarize, MODEL_NAME, type EvaluationSummary } from './summary.ts';

export interface EvaluateOptions {
  /** A run folder or checkpoint folder; several make an ensemble (their probabilities averaged). */
  checkpoint: string | string[];
  /** Days to score (default: the run's test days, or its test share of sessions under a session-hash split). */
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
  /** The first (or only) checkpoint (its model already freed). */
  checkpoint: LoadedCheckpoint;
  /** Every checkpoint scored (for their paths and configs: the models and their threads are already freed). */
  ensemble: Ensemble;
  /** The run folder (holds the TensorBoard event files), when the checkpoint sits in one. */
  runDir: string | undefined;
}

/** <run>/checkpoints/step-…  → <run>; undefined for a checkpoint folder kept elsewhere. */
export function runFolderOf(checkpointPath: string): string | undefined {
  const parent = dirname(checkpointPath);
  return basename(parent) === 'checkpoints' ? dirname(parent) : undefined;
}

/** What an evaluation scores: the run's test split (by default), its validation split, or given days/logs. */
interface Selection {
  split: 'val' | 'test';
  /** In words, for errors, the JSON and the report. */
  source: Record<string, unknown>;
}

function selectSessions(config: Config, checkpointPath: string, opts: EvaluateOptions, log: (line: string) => void): Selection {
  const d = config.data;
  const logs = opts.logs ?? d.logs;
  const hashed = d.split === 'session-hash';
  const testShare = testFractionOf(d);
  if (opts.logs) return { split: 'test', source: opts.days ? { logs, days: opts.days } : { logs } };
  if (hashed && testShare === 0) {
    // Runs from before data.testFraction: every session is either training or validation.
    if (opts.days) {
      throw new UserError(
        `${checkpointPath}: this run splits sessions by hash and has no test share (data.testFraction), so the sessions of --days are its training and validation sessions; score other data with --logs, or train again`,
      );
    }
    log('warning: this run has no test share (data.testFraction); scoring its validation sessions, which chose the checkpoint: the scores will be optimistic');
    return { split: 'val', source: { logs, split: `session-hash, validation share ${d.heldOutFraction}` } };
  }
  if (hashed) {
    const share = `session-hash, test share ${testShare}`;
    return { split: 'test', source: opts.days ? { logs, days: opts.days, split: share } : { logs, split: share } };
  }
  const { val, test } = heldOutDaysOf(d);
  const days = opts.days ?? test;
  if (days.length === 0) throw new UserError(`${checkpointPath}: the run's config has no test days (data.testDays); pass --days or --logs`);
  warnAboutChosenDays(config, days, { val, test }, log);
  return { split: 'test', source: { logs, days } };
}

/** One line when scored days were trained on or chose the checkpoint (date split; hashed days are filtered). */
function warnAboutChosenDays(config: Config, days: string[], { val, test }: HeldOutDays, log: (line: string) => void): void {
  const d = config.data;
  const trained = days.filter((day) => (d.trainDays.length ? d.trainDays.includes(day) : !val.includes(day) && !test.includes(day)));
  const selected = days.filter((day) => val.includes(day));
  const parts = [
    trained.length ? `${trained.join(', ')} ${trained.length > 1 ? 'are training days' : 'is a training day'}` : '',
    selected.length ? `${selected.join(', ')} ${selected.length > 1 ? 'are validation days' : 'is a validation day'} (chose the checkpoint)` : '',
  ].filter(Boolean);
  if (parts.length) log(`warning: ${parts.join('; ')} of this run: the scores will be optimistic`);
}

export async function evaluateCheckpoint(opts: EvaluateOptions): Promise<CheckpointEvaluation> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const paths = Array.isArray(opts.checkpoint) ? opts.checkpoint : [opts.checkpoint];
  if (opts.logs && !existsSync(opts.logs)) throw new UserError(`--logs: no such file or folder '${opts.logs}'`);
  if (opts.tracks && !existsSync(opts.tracks)) throw new UserError(`--tracks: no such file or folder '${opts.tracks}'`);
  const ensemble = await loadEnsemble(paths, log);
  try {
    return await evaluateEnsemble(ensemble, opts, log);
  } finally {
    // The models and their prediction threads are needed no longer: a caller that forgot them would leave threads
    // running and its process alive.
    await ensemble.dispose();
  }
}

async function evaluateEnsemble(ensemble: Ensemble, opts: EvaluateOptions, log: (line: string) => void): Promise<CheckpointEvaluation> {
  const [checkpoint] = ensemble.members;
  const config: Config = structuredClone(ensemble.config);
  if (opts.tracks) config.data.tracks = opts.tracks;
  const selection = selectSessions(config, checkpoint.path, opts, log);

  const ctx: DataContext = await loadDataContext(config, { stats: ensemble.stats, log });
  for (const warning of trackTableWarnings(ensemble.members, ctx.tracks)) log(warning);
  const batchOpts = { split: selection.split, days: opts.days, logs: opts.logs, batchSize: opts.batchSize, maxSessions: opts.maxSessions ?? 0 };
  const several = ensemble.members.length > 1;
  const members = several ? Object.fromEntries(ensemble.memberPredictors.map((p, k) => [memberName(k), p])) : {};
  const outcome = await evaluatePredictors({
    challenge: evalBatches(ctx, { ...batchOpts, view: 'challenge' }),
    perPosition: evalBatches(ctx, { ...batchOpts, view: 'per-position' }),
    predictors: { [MODEL_NAME]: ensemble.predict, ...members, ...makeBaselines(ensemble.stats, opts.seed ?? 1) },
    calibrationOf: MODEL_NAME,
    onProgress: opts.onProgress,
  });
  if (outcome.sessions === 0) {
    const what = Object.entries(selection.source)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') || '(none)' : v}`)
      .join(', ');
    throw new UserError(`no sessions to evaluate: nothing in ${what} (is the day in the data? see 'skiptrain inspect')`);
  }
  const summary = summarize(outcome, {
    checkpoint: checkpoint.path,
    step: checkpoint.step,
    ...(several ? { ensemble: ensemble.members.map((m) => m.path) } : {}),
    label: config.data.label,
    ...selection.source,
    ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
  });
  if (several) {
    summary.members = ensemble.members.map((m, k) => ({ checkpoint: m.path, step: m.step, metrics: outcome.metrics[memberName(k)] }));
  }
  return { summary, checkpoint, ensemble, runDir: runFolderOf(checkpoint.path) };
}

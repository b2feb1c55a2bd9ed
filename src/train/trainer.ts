// The training loop. Read top to bottom: set up (fresh or resumed), then epochs of steps with periodic logging,
// validation and checkpoints. Everything that decides the weights — data order, dropout seeds, the learning
// rate, the optimizer state — is a function of the seed and the step, so a resumed run is bit-identical.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { configChanges, describeConfigChange } from '../config/diff.ts';
import type { Origins } from '../config/resolve.ts';
import type { Config } from '../config/schema.ts';
import { loadDataContext } from '../data/batch/batches.ts';
import { inputFeatureCount } from '../data/batch/features.ts';
import { trackTableFingerprint } from '../data/format/trackKey.ts';
import type { FeatureStats } from '../data/format/types.ts';
import { UserError } from '../errors.ts';
import { withNote } from '../util/failures.ts';
import { activeBackend } from '../models/backend.ts';
import { engineLacks, type EngineName } from '../models/engineSupport.ts';
import { AUX_COLUMNS, auxTargetsOf, hasBinaryHeads, hasReasonEndHead, type AuxTargets } from '../models/auxTargets.ts';
import { createModel } from '../models/model.ts';
import { Rng } from '../util/rng.ts';
import { EventWriter } from './tensorboard/writer.ts';
import { SESSION_END_TAG, SESSION_START_TAG, STATUS } from './tensorboard/hparams.ts';
import { configHParams } from './runHParams.ts';
import { assignWeights, readResumableCheckpoint, saveCheckpoint, type CheckpointContents, type TrainingPosition } from './checkpoint.ts';
import { Adam } from './optimizer.ts';
import { Progress, type ProgressOptions } from './progress.ts';
import { resumeTarget } from './resumeTarget.ts';
import { claimRunFolder, writeRunFiles } from './runFolder.ts';
import { takeRunLock, type RunLock } from './runLock.ts';
import { learningRate } from './schedule.ts';
import type { PendingStep, StepValues } from './step.ts';
import { BatchThread, trainingFeed } from './workers/batchThread.ts';
import { createStepper, resolveWorkers } from './workers/stepper.ts';
import { validate, type ValidationMetrics } from './validate.ts';

export interface TrainOptions {
  config: Config;
  /**
   * A run folder (or checkpoint) to continue from; the same run folder is used, with a new event file. A run folder
   * without a checkpoint (killed early) starts over in place.
   */
  resume?: string;
  /**
   * Where each key of `config` was set (loadConfigDetailed). A resume says which keys differ from the checkpoint's
   * config, leaving out those set on the command line; without origins it lists every difference.
   */
  origins?: Origins;
  /**
   * Stop, validated and checkpointed, once this fraction of the planned steps is done (a sweep's rung); the schedule
   * still plans for the whole run, so a run continued with --resume is the run that never stopped.
   */
  untilFraction?: number;
  /** When aborted (Ctrl-C), the loop finishes the current step, saves a checkpoint and returns. */
  stop?: AbortSignal;
  log?: (message: string) => void;
  progressStream?: ProgressOptions['stream'];
}

export interface TrainResult {
  runFolder: string;
  checkpoint: string;
  step: number;
  epoch: number;
  interrupted: boolean;
  /** The last validation (null when there were no held-out sessions). */
  metrics: ValidationMetrics | null;
}

/** What train() hears from the run as it goes: the run folder's lock, and the folder once --resume can continue it. */
interface RunInProgress {
  lock?: RunLock;
  resumable?: string;
}

/**
 * Trains in a run folder of its own, holding its lock (runLock.ts) from start to end. A failure (a full disk) is
 * rethrown with what it left: the checkpoint --resume will continue from, or none yet.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((s: string) => console.error(s));
  const run: RunInProgress = {};
  try {
    return await trainInRunFolder(opts, log, run);
  } catch (e) {
    const kept = run.resumable ? keptBy(run.resumable) : undefined;
    throw kept ? withNote(e, kept) : e;
  } finally {
    run.lock?.release();
  }
}

/**
 * What a failed run left, read from the folder as --resume reads it (a save can fail after its checkpoint is
 * complete: at `latest`, or at retention). Undefined when the folder cannot be read either.
 */
function keptBy(runFolder: string): string | undefined {
  try {
    const { checkpoint } = resumeTarget(runFolder, () => {}); // a damaged `latest` was told as the run started
    if (!checkpoint) return `no checkpoint was written yet (skiptrain train --resume ${runFolder} starts the run over)`;
    const { step } = JSON.parse(readFileSync(join(checkpoint, 'manifest.json'), 'utf8')) as { step: number };
    return `the last complete checkpoint is step ${step} (continue with: skiptrain train --resume ${runFolder})`;
  } catch {
    return undefined;
  }
}

async function trainInRunFolder(opts: TrainOptions, log: (s: string) => void, run: RunInProgress): Promise<TrainResult> {
  const { config } = opts;
  const t = config.train;
  const target = opts.resume ? resumeTarget(opts.resume, log) : undefined;
  // Before anything in the folder is read or changed: a start-over removes its event files.
  if (target) run.lock = takeRunLock(target.runFolder, log);
  const resumed = target?.checkpoint ? await readResumableCheckpoint(target.checkpoint, log) : undefined;
  if (resumed) checkResumable(resumed, config, opts.origins, log);
  if (target && !resumed) startOver(target.runFolder, log);
  run.resumable = target?.runFolder;

  const ctx = await loadDataContext(config, { stats: resumed?.manifest.stats, log });
  const runFolder = target?.runFolder ?? claimRunFolder(config);
  run.lock ??= takeRunLock(runFolder, log);
  try {
    await writeRunFiles(runFolder, config, ctx.stats);
  } catch (e) {
    // A new run that cannot write its config leaves no folder that --resume could not continue.
    if (!target) rmSync(runFolder, { recursive: true, force: true });
    throw target ? e : withNote(e, `the new run folder ${runFolder} was removed`);
  }
  run.resumable = runFolder;
  const trackTable = trackTableFingerprint(ctx.tracks);
  const model = createModel(config.model, inputFeatureCount(), t.seed, auxTargetsOf(config));
  const optimizer = new Adam(model.weights, { weightDecay: t.weightDecay });
  // The plan is recomputed on resume (same config and stats give the same plan; more epochs stretch the schedule).
  const pos: TrainingPosition = resumed
    ? { ...pickPosition(resumed), plannedSteps: plannedSteps(config, ctx.stats), metrics: {} }
    : { step: 0, epoch: 0, batchesInEpoch: 0, plannedSteps: plannedSteps(config, ctx.stats), rngState: Rng.derive(t.seed, 'dropout').state, metrics: {} };
  if (resumed) {
    assignWeights(model.weights, resumed.weights, resumed.path);
    optimizer.importState(resumed.optimizer, resumed.path);
    log(`resuming ${runFolder} at step ${pos.step} (epoch ${pos.epoch + 1}, batch ${pos.batchesInEpoch})`);
  }
  const rng = new Rng(pos.rngState);
  const active = activeBackend();
  const stepper = await createStepper(model, optimizer, resolveWorkers(t, active, log), t.precision);
  // Only an engine hands a model down to TensorFlow.js beneath it.
  if (stepper.backend !== active) log(`the ${active} engine does not run ${engineLacks(active as EngineName, config.model, model.aux)}: training in TensorFlow.js on ${stepper.backend}`);
  if (stepper.workers > 1) log(stepper.backend === 'native' ? `training in the native engine on ${stepper.workers} threads` : `training on ${stepper.workers} gradient threads`);
  // With several gradient threads, batches are built on a thread of their own so none of them waits for data.
  const batchThread = stepper.workers > 1 ? new BatchThread() : null;
  // The loop below is done with a batch when it asks for the next: its buffer is reused for a later batch.
  const batchesOf = trainingFeed(ctx, batchThread);
  const writer = await EventWriter.create(runFolder);
  // Each event file of the run (a resume opens a new one) tells the HParams dashboard the run's config.
  writer.hparams(SESSION_START_TAG, { sessionStartInfo: { hparams: configHParams(config), modelUri: runFolder, startTimeSecs: Date.now() / 1000 } });
  const progress = new Progress({ total: pos.plannedSteps, epochs: t.epochs, stream: opts.progressStream });

  // A checkpoint taken right after a validation carries its metrics: the resumed run does not log them again.
  const carried = resumed?.manifest.metrics ?? {};
  let metrics = Object.keys(carried).length > 0 ? (carried as ValidationMetrics) : null;
  let validatedAt = metrics ? pos.step : -1;
  let checkpoint = resumed?.path ?? '';
  let savedAt = performance.now();
  const runValidation = async () => {
    if (validatedAt === pos.step) return; // e.g. validateEvery coinciding with an epoch end
    metrics = await validate((batch) => stepper.logits(batch), ctx, config.task);
    validatedAt = pos.step;
    if (!metrics) return progress.log('validation skipped: no held-out sessions');
    for (const [tag, value] of Object.entries(metrics)) writer.scalar(tag, value, pos.step);
    progress.log(`step ${pos.step}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}`);
  };
  const save = async () => {
    pos.rngState = rng.state;
    pos.metrics = validatedAt === pos.step && metrics ? { ...metrics } : {};
    await stepper.sync();
    const contents = { position: pos, config, stats: ctx.stats, trackTable, inputFeatures: inputFeatureCount() };
    checkpoint = await saveCheckpoint(runFolder, { ...contents, weights: model.weights, optimizer: await optimizer.exportState() }, t);
    await writer.flush();
    savedAt = performance.now();
  };
  const saveDueByClock = () => t.checkpointMinutes > 0 && performance.now() - savedAt >= t.checkpointMinutes * 60_000;

  const window = new TrainingWindow();
  let shownLoss: number | undefined; // the progress line shows the last logged loss
  let interrupted = false;
  const until = opts.untilFraction === undefined ? Infinity : Math.ceil(opts.untilFraction * pos.plannedSteps);
  let reachedMax = (t.maxSteps > 0 && pos.step >= t.maxSteps) || pos.step >= until;
  let closeFailure: unknown;
  try {
    training: while (!reachedMax && pos.epoch < t.epochs) {
      for await (const batch of batchesOf({ epoch: pos.epoch, seed: t.seed, view: config.task, skipBatches: pos.batchesInEpoch })) {
        const lr = learningRate(pos.step, t, pos.plannedSteps);
        const dropoutSeed = rng.int(2 ** 31);
        window.add(await stepper.step(batch, { lr, clipNorm: t.clipNorm, knownWeight: t.knownWeight, dropoutSeed }), batch.size);
        pos.step++;
        pos.batchesInEpoch++;
        progress.update({ step: pos.step, epoch: pos.epoch, loss: shownLoss, seqPerSec: window.seqPerSec });
        if (pos.step % t.logEvery === 0) {
          // The only read of the training metrics: it waits for the device once per interval, not once per step.
          const { loss, accuracy, gradNorm, seqPerSec, auxLosses } = await window.read();
          shownLoss = loss;
          writer.scalar('train/loss', loss, pos.step);
          for (const [k, column] of AUX_COLUMNS.entries()) if (model.aux[column] > 0) writer.scalar(`train/loss_${column}`, auxLosses[k], pos.step);
          writer.scalar('train/accuracy', accuracy, pos.step);
          writer.scalar('train/grad_norm', gradNorm, pos.step);
          writer.scalar('lr', lr, pos.step);
          writer.scalar('throughput', seqPerSec, pos.step);
          await writer.flush(); // so TensorBoard shows a live run
          window.reset();
        }
        const stepEnd = performance.now(); // the log-time read waits for the device's steps: it counts as training time
        if (t.histogramEvery > 0 && pos.step % t.histogramEvery === 0) {
          await stepper.sync();
          for (const [name, w] of model.weights) writer.histogram(`weights/${name}`, (await w.data()) as Float32Array, pos.step);
        }
        if (t.validateEvery > 0 && pos.step % t.validateEvery === 0) await runValidation();
        if ((t.checkpointEvery > 0 && pos.step % t.checkpointEvery === 0) || saveDueByClock()) await save();
        window.excludeTimeSince(stepEnd); // validation and checkpoints do not count against throughput
        await new Promise((resolve) => setImmediate(resolve)); // the step is synchronous: let Ctrl-C handlers run
        interrupted = Boolean(opts.stop?.aborted);
        reachedMax = (t.maxSteps > 0 && pos.step >= t.maxSteps) || pos.step >= until;
        if (interrupted || reachedMax) break training;
      }
      pos.epoch++;
      pos.batchesInEpoch = 0;
      await runValidation();
      await save();
    }
    if (reachedMax && !interrupted) await runValidation();
    if (interrupted || reachedMax) await save();
    // A run stopped at `until` goes on later; one that ran its whole plan ends its HParams session.
    const paused = pos.step >= until && pos.step < pos.plannedSteps;
    if (!interrupted && !paused) writer.hparams(SESSION_END_TAG, { sessionEndInfo: { status: STATUS.success, endTimeSecs: Date.now() / 1000 } });
  } finally {
    progress.done();
    window.reset();
    // A full disk fails the event file's last flush too: that must not hide the failure that stopped the loop.
    closeFailure = await writer.close().then(() => undefined, (e: unknown) => e);
    await stepper.dispose();
    await batchThread?.dispose();
    optimizer.dispose();
    model.dispose();
  }
  if (closeFailure !== undefined) throw closeFailure;
  return { runFolder, checkpoint, step: pos.step, epoch: pos.epoch, interrupted, metrics };
}

/** Steps the schedule plans for: batches per epoch (from the stats pass's session count) × epochs, capped by maxSteps. */
export function plannedSteps(config: Config, stats: FeatureStats): number {
  const perEpoch = Math.max(1, Math.ceil(stats.sessions / config.train.batchSize));
  const all = perEpoch * config.train.epochs;
  return config.train.maxSteps > 0 ? Math.min(all, config.train.maxSteps) : all;
}

/** A run folder without a checkpoint: train from step 0 in it. Its event files would repeat steps, so they go. */
function startOver(runFolder: string, log: (s: string) => void): void {
  const events = readdirSync(runFolder).filter((f) => f.startsWith('events.out.tfevents'));
  for (const f of events) rmSync(join(runFolder, f), { force: true });
  const removed = events.length ? ` (removing its ${events.length} TensorBoard event file${events.length > 1 ? 's' : ''})` : '';
  log(`no checkpoint in ${runFolder}: the run stopped before its first one; starting it over in the same folder${removed}`);
}

function pickPosition(c: CheckpointContents): TrainingPosition {
  const { step, epoch, batchesInEpoch, plannedSteps, rngState, metrics } = c.manifest;
  return { step, epoch, batchesInEpoch, plannedSteps, rngState, metrics };
}

/**
 * A resume must build the very same model; data and schedule differences only make it inexact, so they warn. Any
 * other difference from the checkpoint's config not asked for on the command line is said in one line: config.yaml
 * may have been edited, or damaged.
 */
function checkResumable(c: CheckpointContents, config: Config, origins: Origins | undefined, log: (s: string) => void): void {
  const saved = c.manifest.config;
  const differences = (Object.keys(config.model) as (keyof Config['model'])[])
    .filter((k) => JSON.stringify(config.model[k]) !== JSON.stringify(saved.model[k]))
    .map((k) => `model.${k} is ${JSON.stringify(config.model[k])} but the checkpoint has ${JSON.stringify(saved.model[k])}`);
  const [targets, savedTargets] = [auxTargetsOf(config), auxTargetsOf(saved)];
  if (hasBinaryHeads(targets) !== hasBinaryHeads(savedTargets) || hasReasonEndHead(targets) !== hasReasonEndHead(savedTargets)) {
    const named = (t: AuxTargets) => JSON.stringify(Object.fromEntries(Object.entries(t).filter(([, w]) => w > 0)));
    differences.push(`the auxiliary targets ${named(targets)} need other heads than the checkpoint's ${named(savedTargets)}`);
  }
  if (c.manifest.inputFeatures !== inputFeatureCount()) {
    differences.push(`the checkpoint has ${c.manifest.inputFeatures} input features, this version builds ${inputFeatureCount()}`);
  }
  if (differences.length) throw new UserError(`cannot resume from ${c.path}: the model does not match (${differences.join('; ')})`);
  const changes = configChanges(saved, config, origins);
  if (changes.length) {
    log(
      `warning: the config differs from the one in ${c.path} in keys not set on the command line: ` +
        `${changes.map((change) => describeConfigChange(change, origins)).join(', ')} — if you did not change them, the config file was damaged: fix it`,
    );
  }
  for (const key of ['seed', 'batchSize'] as const) {
    if (config.train[key] !== saved.train[key]) log(`warning: train.${key} changed since the checkpoint; the resumed run will not match an uninterrupted one`);
  }
  if (config.task !== saved.task) log(`warning: task changed from ${saved.task} to ${config.task}`);
}

/** Running means of the training metrics since the last log line; each step's values stay where they were computed until read. */
class TrainingWindow {
  private pending: PendingStep[] = [];
  private sequences = 0;
  private since = performance.now();

  add(step: PendingStep, sequences: number): void {
    this.pending.push(step);
    this.sequences += sequences;
  }

  /** Means since the last reset; gradNorm is the global gradient norm before clipping; auxLosses as StepValues'. */
  async read(): Promise<{ loss: number; accuracy: number; gradNorm: number; seqPerSec: number; auxLosses: number[] }> {
    const values = await Promise.all(this.pending.map((p) => p.read()));
    this.pending = [];
    const sum = (value: (v: StepValues) => number) => values.reduce((total, v) => total + value(v), 0);
    const steps = Math.max(1, values.length);
    // An engine's steps hold the binary columns only: the reason-end column, which no engine runs, reads 0.
    const auxLosses = AUX_COLUMNS.map((_, k) => sum((v) => v.auxLosses[k] ?? 0) / steps);
    return { loss: sum((v) => v.loss) / steps, accuracy: sum((v) => v.correct) / Math.max(1, sum((v) => v.count)), gradNorm: sum((v) => v.gradNorm) / steps, seqPerSec: this.seqPerSec, auxLosses };
  }

  get seqPerSec(): number {
    return (this.sequences * 1000) / Math.max(1, performance.now() - this.since);
  }

  /** Leave the time since `t` out of the throughput (pauses for validation and checkpoints). */
  excludeTimeSince(t: number): void {
    this.since += performance.now() - t;
  }

  reset(): void {
    for (const p of this.pending) p.dispose();
    Object.assign(this, { pending: [], sequences: 0, since: performance.now() });
  }
}

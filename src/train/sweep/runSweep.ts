// A sweep from start to end (or from where a killed one stopped): draw the trials, check every trial's config,
// then successive halving, rung by rung, at most `parallel` trials at once, with sweep.json rewritten after each
// trial's rung. Nothing here reads the test days: trials train on data.trainDays and are scored on data.valDays.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UserError } from '../../errors.ts';
import type { Config } from '../../config/schema.ts';
import { configToYaml } from '../../config/yaml.ts';
import { ensureSynthData } from '../../data/batch/batches.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { runConfigPath } from '../runFolder.ts';
import { takeRunLock } from '../runLock.ts';
import { DATA_TYPE, DATASET, EXPERIMENT_TAG, type HParamInfo } from '../tensorboard/hparams.ts';
import { EventWriter } from '../tensorboard/writer.ts';
import { drawTrials, type TrialValues } from './draw.ts';
import { lowerIsBetter, promote, rungFractions } from './halving.ts';
import { loadSweepSpec, trialConfig, type Scalar, type SweepSpec } from './spec.ts';
import { readSweepState, sweepSpecCopy, writeSweepState, type SweepState, type TrialState } from './state.ts';
import { runPool } from './pool.ts';
import { bestValidation, checkpointPosition, logTail, reached, startTrial, waitForRunLock, type TrialProcess } from './trialProcess.ts';

export interface SweepOptions {
  /** A sweep file for a new sweep … */
  file?: string;
  /** … or the folder of one to continue. */
  resume?: string;
  /** Trials at once (default: the cores ÷ train.workers, at least 1). */
  parallel?: number;
  /** When aborted (Ctrl-C), running trials checkpoint and stop, and the sweep stops after them. */
  stop?: AbortSignal;
  log?: (line: string) => void;
}

export interface SweepResult {
  folder: string;
  state: SweepState;
  spec: SweepSpec;
  /** Trials at once (what --final uses too). */
  parallel: number;
  interrupted: boolean;
}

export const trialId = (index: number) => `trial-${String(index).padStart(3, '0')}`;

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const { spec, folder, previous } = openSweep(opts);
  const values = drawTrials(spec);
  const probe = trialConfig(spec, values[0]);
  const parallel = opts.parallel ?? Math.max(1, Math.floor(availableParallelism() / (probe.train.workers === 'auto' ? availableParallelism() : probe.train.workers)));
  // `auto` gradient threads would each take every core: side by side, trials share them.
  const workers: Record<string, Scalar> = probe.train.workers === 'auto' ? { 'train.workers': Math.max(1, Math.floor(availableParallelism() / parallel)) } : {};
  const configs = values.map((v, i) => {
    try {
      return trialConfig(spec, v, { experiment: spec.name, ...workers });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const shown = Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ');
      throw new ConfigError(`${spec.file}: ${trialId(i)} (${shown}) is not a valid config: ${e.message}`);
    }
  });

  mkdirSync(folder, { recursive: true });
  // One sweep process per folder (the same lock file as a run's): a second one would train the same trials.
  const lock = takeRunLock(folder, log);
  try {
    return await sweepInFolder({ spec, folder, previous, values, configs, probe, parallel, stop: opts.stop, log });
  } finally {
    lock.release();
  }
}

interface SweepContext {
  spec: SweepSpec;
  folder: string;
  previous?: SweepState;
  values: TrialValues[];
  configs: Config[];
  probe: Config;
  parallel: number;
  stop?: AbortSignal;
  log: (line: string) => void;
}

async function sweepInFolder({ spec, folder, previous, values, configs, probe, parallel, stop, log }: SweepContext): Promise<SweepResult> {
  const metric = probe.train.bestMetric;
  const fractions = rungFractions(spec.halving.rungs, spec.halving.eta);
  const state: SweepState = previous ?? {
    name: spec.name,
    metric,
    lowerIsBetter: lowerIsBetter(metric),
    rungs: fractions,
    status: 'running',
    trials: values.map((v, i) => ({ id: trialId(i), values: v, runFolder: join(folder, trialId(i)), rung: -1, rungMetrics: [], step: 0, status: 'pending' })),
  };
  if (!previous) {
    await writeFileAtomic(sweepSpecCopy(folder), readFileSync(spec.file, 'utf8'));
    await writeExperiment(folder, spec, metric);
  }
  state.status = 'running';
  for (const [i, trial] of state.trials.entries()) await prepareTrialFolder(trial.runFolder, configs[i]);
  // Trials would otherwise all generate missing synthetic data at once, into the same folder.
  const seen = new Set<string>();
  for (const config of configs) {
    const key = JSON.stringify([config.data.logs, config.data.synth]);
    if (!seen.has(key)) await ensureSynthData(config, log);
    seen.add(key);
  }
  await writeSweepState(folder, state);
  log(`sweep ${spec.name}: ${state.trials.length} trials, ${fractions.length} rung${fractions.length > 1 ? 's' : ''} (${fractions.map((f) => `${+(f * 100).toFixed(1)}%`).join(', ')} of the budget), ${parallel} at once; choosing on ${metric} (validation days ${probe.data.valDays.join(', ')})`);

  let interrupted = false;
  let candidates = state.trials;
  for (let rung = 0; rung < fractions.length && !interrupted; rung++) {
    if (rung > 0) {
      const kept = new Set(promote(candidates.map((t) => ({ id: t.id, metric: t.rungMetrics[rung - 1] })), spec.halving.eta, metric));
      for (const t of candidates) if (!kept.has(t.id) && t.status !== 'failed') t.status = 'stopped';
      candidates = candidates.filter((t) => kept.has(t.id));
    }
    const todo = candidates.filter((t) => t.rung < rung);
    interrupted = await runPool(todo, parallel, stop, async (trial, started) => {
      await runRung(trial, rung, fractions, metric, started, log);
      await writeSweepState(folder, state);
    });
    await writeSweepState(folder, state);
    const failed = todo.filter((t) => t.status === 'failed');
    if (!interrupted && todo.length > 0 && failed.length === todo.length) {
      throw new UserError(`every trial of rung ${rung + 1} failed; the first: ${failed[0].id} (${join(failed[0].runFolder, 'train.log')}): ${failed[0].error?.split('\n').pop()}`);
    }
  }
  if (!interrupted) state.status = 'done';
  await writeSweepState(folder, state);
  return { folder, state, spec, parallel, interrupted };
}

/** The spec and folder of a new sweep, or of the one `resume` names with what it has done so far. */
function openSweep(opts: SweepOptions): { spec: SweepSpec; folder: string; previous?: SweepState } {
  if (opts.resume !== undefined) {
    const folder = opts.resume;
    if (!existsSync(sweepSpecCopy(folder))) throw new UserError(`${folder} is not a sweep folder (it has no sweep.yaml)`);
    const spec = loadSweepSpec(sweepSpecCopy(folder));
    const previous = readSweepState(folder);
    if (previous) spec.name = previous.name;
    return { spec, folder, previous };
  }
  if (!opts.file) throw new UserError('name a sweep file, or --resume a sweep folder');
  const spec = loadSweepSpec(opts.file);
  const folder = join(trialConfig(spec, drawTrials(spec)[0]).checkpoints, spec.name);
  if (existsSync(sweepSpecCopy(folder))) {
    throw new UserError(`${folder} already holds a sweep: continue it with skiptrain sweep --resume ${folder}, or give this one another name (name: in ${spec.file})`);
  }
  return { spec, folder };
}

/** A run folder with its config.yaml, which `train --resume` starts from (or continues). */
export async function prepareTrialFolder(runFolder: string, config: Config): Promise<void> {
  if (existsSync(runConfigPath(runFolder))) return; // the trainer has written its own (the same config) by now
  mkdirSync(runFolder, { recursive: true });
  await writeFileAtomic(runConfigPath(runFolder), configToYaml(config));
}

/** Trains one trial to the end of `rung` and records its metric there (or its failure). */
async function runRung(trial: TrialState, rung: number, fractions: number[], metric: Config['train']['bestMetric'], started: (p: TrialProcess) => void, log: (line: string) => void): Promise<void> {
  const fraction = fractions[rung];
  const label = `${trial.id} rung ${rung + 1}/${fractions.length}`;
  await waitForRunLock(trial.runFolder, log);
  if (!reached(trial.runFolder, fraction)) {
    trial.status = 'running';
    const child = startTrial(trial.runFolder, fraction);
    started(child);
    const code = await child.exited;
    if (code === 130) return log(`${label}: stopped by the interrupt (checkpoint saved)`);
    if (code !== 0) {
      trial.status = 'failed';
      trial.error = logTail(trial.runFolder);
      return log(`${label}: failed (exit code ${code}); see ${join(trial.runFolder, 'train.log')}: ${trial.error.split('\n').pop()}`);
    }
  }
  const best = await bestValidation(trial.runFolder, metric);
  trial.rung = rung;
  trial.rungMetrics[rung] = best ?? NaN;
  trial.bestMetric = best;
  trial.step = checkpointPosition(trial.runFolder)?.step ?? 0;
  trial.status = rung === fractions.length - 1 ? 'done' : 'running';
  delete trial.error;
  const shown = Object.entries(trial.values).map(([k, v]) => `${k}=${v}`).join(' ');
  log(`${label} (step ${trial.step}): ${metric} ${best === undefined ? 'none (no validation sessions)' : best.toFixed(4)}  ${shown}`);
}

/** The sweep root's event file: the HParams dashboard's columns (the searched keys) and metrics. */
async function writeExperiment(folder: string, spec: SweepSpec, metric: string): Promise<void> {
  const hparamInfos: HParamInfo[] = spec.space.map(([name, d]) => {
    if (d.kind !== 'choice') return { name, type: DATA_TYPE.float64, interval: { min: d.low, max: d.high } };
    const kind = typeof d.values[0];
    return { name, type: kind === 'number' ? DATA_TYPE.float64 : kind === 'boolean' ? DATA_TYPE.bool : DATA_TYPE.string, values: d.values };
  });
  const metrics = [metric, ...['val/loss', 'val/accuracy', 'val/mean_average_accuracy', 'val/first_prediction_accuracy'].filter((m) => m !== metric)];
  const writer = await EventWriter.create(folder);
  writer.hparams(EXPERIMENT_TAG, {
    experiment: {
      name: spec.name,
      timeCreatedSecs: Date.now() / 1000,
      hparamInfos,
      metricInfos: [...metrics.map((tag) => ({ tag, datasetType: DATASET.validation })), { tag: 'train/loss', datasetType: DATASET.training }],
    },
  });
  await writer.close();
}

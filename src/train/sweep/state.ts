// sweep.json: what a sweep knows about its trials, rewritten (atomically) after each trial's rung, so a killed sweep
// resumes from it and people can read the results while it runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import type { TrainConfig } from '../../config/schema.ts';
import type { TrialValues } from './draw.ts';

export type TrialStatus = 'pending' | 'running' | 'stopped' | 'done' | 'failed';

export interface TrialState {
  id: string;
  values: TrialValues;
  /** The trial's run folder (a normal one: evaluate, resume or look at it on its own). */
  runFolder: string;
  /** The last rung it completed (0-based; -1 before the first). */
  rung: number;
  /** The best validation metric at the end of each rung completed. */
  rungMetrics: number[];
  /** The best validation metric so far (the last rung's). */
  bestMetric?: number;
  /** The step it stopped at. */
  step: number;
  /** stopped: halving ended it early; done: it used its whole budget. */
  status: TrialStatus;
  /** Why it failed: the end of its train.log. */
  error?: string;
}

export interface SweepState {
  name: string;
  /** The metric trials are chosen by (train.bestMetric), measured on data.valDays only. */
  metric: TrainConfig['bestMetric'];
  lowerIsBetter: boolean;
  /** The fraction of the budget at the end of each rung. */
  rungs: number[];
  status: 'running' | 'done';
  trials: TrialState[];
}

export const sweepStatePath = (folder: string) => join(folder, 'sweep.json');
export const sweepSpecCopy = (folder: string) => join(folder, 'sweep.yaml');

export async function writeSweepState(folder: string, state: SweepState): Promise<void> {
  await writeFileAtomic(sweepStatePath(folder), `${JSON.stringify(state, null, 1)}\n`);
}

export function readSweepState(folder: string): SweepState | undefined {
  const path = sweepStatePath(folder);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SweepState;
  } catch (e) {
    throw new UserError(`${path}: not a sweep state (${(e as Error).message}); remove it to start the sweep's bookkeeping over`);
  }
}

/** Trials best first by their best validation metric; trials without one last. */
export function rankedTrials(state: SweepState): TrialState[] {
  const sign = state.lowerIsBetter ? 1 : -1;
  return [...state.trials].sort((a, b) => {
    if (a.bestMetric === undefined || b.bestMetric === undefined) return (a.bestMetric === undefined ? 1 : 0) - (b.bestMetric === undefined ? 1 : 0);
    return sign * (a.bestMetric - b.bestMetric) || b.rung - a.rung;
  });
}

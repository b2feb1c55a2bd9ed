// The learning-rate schedule: linear warm-up, then a decay to ~0 over the planned steps.
// A pure function of the step, so a resumed run follows exactly the same curve.
import type { TrainConfig } from '../config/schema.ts';

export type ScheduleConfig = Pick<TrainConfig, 'lr' | 'warmup' | 'warmupSteps' | 'decay'>;

/**
 * Warm-up length in steps: `warmupSteps` when given (> 0), else the fraction `warmup` of the planned steps, so one
 * config suits 40 steps and 250,000 steps alike.
 */
export function warmupLength(cfg: Pick<ScheduleConfig, 'warmup' | 'warmupSteps'>, plannedSteps: number): number {
  if (cfg.warmupSteps > 0) return Math.floor(cfg.warmupSteps);
  return Math.round((cfg.warmup ?? 0) * plannedSteps);
}

/**
 * Learning rate for the optimizer step with 0-based index `step` out of `plannedSteps`.
 * Warm-up ramps from lr/warmup to lr (never 0, so the first step moves); decay then goes from lr down to 0 at
 * the last planned step. Steps past the plan (a longer resumed run) stay at the end value.
 */
export function learningRate(step: number, cfg: ScheduleConfig, plannedSteps: number): number {
  const warmup = warmupLength(cfg, plannedSteps);
  if (step < warmup) return (cfg.lr * (step + 1)) / warmup;
  if (cfg.decay === 'none') return cfg.lr;
  const decaySteps = Math.max(1, plannedSteps - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / decaySteps));
  if (cfg.decay === 'linear') return cfg.lr * (1 - progress);
  return cfg.lr * 0.5 * (1 + Math.cos(Math.PI * progress));
}

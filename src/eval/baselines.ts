// Reference predictors a trained model must beat. Each reads only what the protocol lets a model read at a
// position: the batch's `known` rows (outcomes that are history) and statistics of the training days. None of
// them looks at `labels` where `known` is 0, so the same code is honest in both views: per-position (every earlier
// row is known) and challenge (only the first ⌊L/2⌋ rows are known).
import type { FeatureStats } from '../data/format/types.ts';
import { Rng } from '../util/rng.ts';
import type { CpuPredictor } from './predictor.ts';

export const BASELINE_NAMES = ['random', 'majority', 'lastSkip', 'positionRate'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** FeatureStats may carry row counts per position (then the overall rate is weighted exactly). */
type StatsWithCounts = FeatureStats & { rowsByPosition?: number[] };

/**
 * The training days' overall skip rate. With per-position row counts it is exact; without them it is the plain mean
 * of the per-position rates (positions past 10 have fewer rows, so this slightly over-weights long sessions).
 */
export function overallSkipRate(stats: FeatureStats): number {
  const rates = stats.skipRateByPosition;
  if (!rates.length) return 0.5;
  const counts = (stats as StatsWithCounts).rowsByPosition;
  if (counts && counts.length === rates.length) {
    let rows = 0;
    let skips = 0;
    for (let i = 0; i < rates.length; i++) {
      rows += counts[i];
      skips += counts[i] * rates[i];
    }
    if (rows > 0) return skips / rows;
  }
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

/**
 * Uniform random probabilities. The stream is derived from (seed, session id), so a session gets the same guesses
 * whatever batch it lands in and in both views.
 */
export function randomBaseline(seed: number): CpuPredictor {
  return (batch) => {
    const T = batch.seqLen;
    const out = new Float32Array(batch.size * T);
    for (let b = 0; b < batch.size; b++) {
      const rng = Rng.derive(seed, 'random-baseline', batch.sessionIds[b]);
      for (let t = 0; t < T; t++) out[b * T + t] = rng.next();
    }
    return out;
  };
}

/** Always the training days' skip rate: its class is the majority class. */
export function majorityBaseline(stats: FeatureStats): CpuPredictor {
  const rate = overallSkipRate(stats);
  return (batch) => new Float32Array(batch.size * batch.seqLen).fill(rate);
}

/**
 * The outcome of the last known position before t (challenge: the last of the first half; per-position: t - 1).
 * A hard 0/1 guess, so its log loss is that of a guess. Without any earlier known row (position 1) it falls back
 * to the majority baseline's rate.
 */
export function lastSkipBaseline(stats: FeatureStats): CpuPredictor {
  const fallback = overallSkipRate(stats);
  return (batch) => {
    const T = batch.seqLen;
    const out = new Float32Array(batch.size * T);
    for (let b = 0; b < batch.size; b++) {
      let last = fallback;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        out[i] = last;
        if (batch.known[i] === 1) last = batch.labels[i];
      }
    }
    return out;
  };
}

/** The training days' skip rate at this session_position (the last rate for positions past the table). */
export function positionRateBaseline(stats: FeatureStats): CpuPredictor {
  const rates = stats.skipRateByPosition;
  const fallback = overallSkipRate(stats);
  return (batch) => {
    const T = batch.seqLen;
    const out = new Float32Array(batch.size * T);
    for (let t = 0; t < T; t++) {
      const rate = rates.length ? rates[Math.min(t, rates.length - 1)] : fallback;
      for (let b = 0; b < batch.size; b++) out[b * T + t] = rate;
    }
    return out;
  };
}

export function makeBaselines(stats: FeatureStats, seed: number): Record<BaselineName, CpuPredictor> {
  return {
    random: randomBaseline(seed),
    majority: majorityBaseline(stats),
    lastSkip: lastSkipBaseline(stats),
    positionRate: positionRateBaseline(stats),
  };
}

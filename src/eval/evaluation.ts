// Scores several predictors (the model and the baselines) on exactly the same batches, in one streaming pass per
// protocol:
// - challenge view (first ⌊L/2⌋ rows known, the rest predicted from their tracks only): MAA and FPA;
// - per-position view (every earlier row known): accuracy, AUC, log loss, the by-position table and calibration.
import type { Batch } from '../data/format/types.ts';
import { ChallengeScore, scoredSessions, toClass } from '../data/format/challenge.ts';
import type { Predictor } from './predictor.ts';
import { BinaryMetrics } from './streamingMetrics.ts';

export interface MetricBlock {
  maa: number;
  fpa: number;
  accuracy: number;
  auc: number;
  logLoss: number;
}

export const METRIC_KEYS = ['maa', 'fpa', 'accuracy', 'auc', 'logLoss'] as const satisfies readonly (keyof MetricBlock)[];

/** Which protocol each metric comes from; written into the JSON and printed under the table. */
export const PROTOCOL_NOTE = {
  maa: 'challenge: first floor(L/2) tracks known in full, the rest predicted from their tracks only; mean over sessions of the average accuracy',
  fpa: 'challenge: accuracy of the first hidden position, mean over sessions',
  accuracy: 'per-position: every position predicted from everything before it (threshold 0.5)',
  auc: 'per-position',
  logLoss: 'per-position',
} as const;

export interface PositionRow {
  position: number; // session_position, 1-based
  rows: number;
  skipRate: number; // truth
  meanPredicted: number; // the model's mean probability
  accuracy: Record<string, number>; // per predictor
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  rows: number;
  meanPredicted: number;
  observedRate: number;
}

export interface EvaluationOutcome {
  /** Sessions scored (the same sessions in both views). */
  sessions: number;
  rows: number; // per-position rows scored
  hiddenRows: number; // challenge rows scored
  metrics: Record<string, MetricBlock>;
  byPosition: PositionRow[];
  calibration: CalibrationBin[];
}

export interface EvaluationProgress {
  view: 'challenge' | 'per-position';
  sessions: number;
}

const CALIBRATION_BINS = 10;

/** Score every predictor; `calibrationOf` names the predictor whose calibration and mean probability are reported. */
export async function evaluatePredictors(opts: {
  challenge: AsyncIterable<Batch>;
  perPosition: AsyncIterable<Batch>;
  predictors: Record<string, Predictor>;
  calibrationOf: string;
  onProgress?: (p: EvaluationProgress) => void;
}): Promise<EvaluationOutcome> {
  const names = Object.keys(opts.predictors);
  if (!names.includes(opts.calibrationOf)) throw new Error(`evaluatePredictors: no predictor '${opts.calibrationOf}'`);

  const challenge = Object.fromEntries(names.map((n) => [n, new ChallengeScore()]));
  let challengeSessions = 0;
  let hiddenRows = 0;
  for await (const batch of opts.challenge) {
    const probs = await Promise.all(names.map((n) => opts.predictors[n](batch)));
    for (const { hidden, truth } of scoredSessions(batch)) {
      challengeSessions++;
      hiddenRows += hidden.length;
      names.forEach((n, k) => challenge[n].add(hidden.map((i) => toClass(probs[k][i])), truth));
    }
    opts.onProgress?.({ view: 'challenge', sessions: challengeSessions });
  }

  const binary = Object.fromEntries(names.map((n) => [n, new BinaryMetrics()]));
  const positions: { rows: number; skips: number; probSum: number; correct: Record<string, number> }[] = [];
  const calibration = Array.from({ length: CALIBRATION_BINS }, () => ({ rows: 0, probSum: 0, skips: 0 }));
  let sessions = 0;
  let rows = 0;
  for await (const batch of opts.perPosition) {
    const probs = await Promise.all(names.map((n) => opts.predictors[n](batch)));
    const reference = probs[names.indexOf(opts.calibrationOf)];
    const T = batch.seqLen;
    for (let b = 0; b < batch.size; b++) {
      let scored = false;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        if (batch.mask[i] !== 1) continue;
        scored = true;
        rows++;
        const truth = batch.labels[i];
        const at = (positions[t] ??= { rows: 0, skips: 0, probSum: 0, correct: Object.fromEntries(names.map((n) => [n, 0])) });
        at.rows++;
        at.skips += truth;
        at.probSum += reference[i];
        names.forEach((n, k) => {
          binary[n].add(probs[k][i], truth);
          if (toClass(probs[k][i]) === truth) at.correct[n]++;
        });
        const bin = calibration[Math.min(CALIBRATION_BINS - 1, Math.floor(reference[i] * CALIBRATION_BINS))];
        bin.rows++;
        bin.probSum += reference[i];
        bin.skips += truth;
      }
      if (scored) sessions++;
    }
    opts.onProgress?.({ view: 'per-position', sessions });
  }

  if (sessions !== challengeSessions) {
    throw new Error(`evaluatePredictors: the two views saw different sessions (${sessions} vs ${challengeSessions})`);
  }

  const metrics: Record<string, MetricBlock> = {};
  for (const n of names) {
    metrics[n] = {
      maa: challenge[n].maa,
      fpa: challenge[n].fpa,
      accuracy: binary[n].accuracy,
      auc: binary[n].auc,
      logLoss: binary[n].logLoss,
    };
  }
  const byPosition: PositionRow[] = [];
  positions.forEach((p, t) => {
    if (!p) return;
    byPosition.push({
      position: t + 1,
      rows: p.rows,
      skipRate: p.skips / p.rows,
      meanPredicted: p.probSum / p.rows,
      accuracy: Object.fromEntries(names.map((n) => [n, p.correct[n] / p.rows])),
    });
  });
  return {
    sessions,
    rows,
    hiddenRows,
    metrics,
    byPosition,
    calibration: calibration.map((c, i) => ({
      lower: i / CALIBRATION_BINS,
      upper: (i + 1) / CALIBRATION_BINS,
      rows: c.rows,
      meanPredicted: c.rows ? c.probSum / c.rows : NaN,
      observedRate: c.rows ? c.skips / c.rows : NaN,
    })),
  };
}

// Validation during training: loss and accuracy on the held-out sessions in the training view, and the challenge
// metrics (mean average accuracy, first prediction accuracy) on the same sessions cut the challenge's way. The
// model is whatever gives logits for a batch (the stepper's: tfjs or the native engine), so both score alike.
import { evalBatches, type DataContext, type View } from '../data/batch/batches.ts';
import type { Batch } from '../data/format/types.ts';
import { addChallengeSessions, ChallengeScore } from '../data/format/challenge.ts';

export type ValidationMetrics = Record<'val/loss' | 'val/accuracy' | 'val/mean_average_accuracy' | 'val/first_prediction_accuracy', number>;

/** The main logit of every position of a batch, [B·T] row-major, evaluation mode. */
export type LogitsOf = (batch: Batch) => Promise<Float32Array>;

/** Empty when there are no held-out sessions (then nothing is logged and no checkpoint counts as best). */
export async function validate(logitsOf: LogitsOf, ctx: DataContext, view: View): Promise<ValidationMetrics | null> {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const score = new ChallengeScore();
  for await (const batch of evalBatches(ctx, { view })) {
    const r = scoreBatch(batch, await logitsOf(batch));
    lossSum += r.lossSum;
    correct += r.correct;
    count += r.count;
    if (view === 'challenge') addChallengeSessions(score, batch, r.probabilities);
  }
  if (view !== 'challenge') {
    for await (const batch of evalBatches(ctx, { view: 'challenge' })) {
      addChallengeSessions(score, batch, scoreBatch(batch, await logitsOf(batch)).probabilities);
    }
  }
  if (count === 0) return null;
  return {
    'val/loss': lossSum / count,
    'val/accuracy': correct / count,
    'val/mean_average_accuracy': score.maa,
    'val/first_prediction_accuracy': score.fpa,
  };
}

/** BCE summed over the scored positions (as train/loss.ts computes it), right predictions at 0.5, σ(logits). */
function scoreBatch(batch: Batch, logits: Float32Array) {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const probabilities = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    probabilities[i] = 1 / (1 + Math.exp(-x));
    const m = batch.mask[i];
    if (m === 0) continue;
    const y = batch.labels[i];
    lossSum += m * (Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))));
    if ((x >= 0 ? 1 : 0) === y) correct += m;
    count += m;
  }
  return { lossSum, correct, count, probabilities };
}

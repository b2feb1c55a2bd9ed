// Validation during training: loss and accuracy on the held-out sessions in the training view, and the challenge
// metrics (mean average accuracy, first prediction accuracy) on the same sessions cut the challenge's way.
import * as tf from '@tensorflow/tfjs';
import { evalBatches, type DataContext, type View } from '../data/batches.ts';
import type { Batch } from '../data/types.ts';
import { addChallengeSessions, ChallengeScore } from '../data/challenge.ts';
import { readTensor } from '../models/webgpu.ts';
import { batchLoss, type TrainableModel } from './loss.ts';

export type ValidationMetrics = Record<'val/loss' | 'val/accuracy' | 'val/mean_average_accuracy' | 'val/first_prediction_accuracy', number>;

/** Empty when there are no held-out sessions (then nothing is logged and no checkpoint counts as best). */
export async function validate(model: TrainableModel, ctx: DataContext, view: View): Promise<ValidationMetrics | null> {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const score = new ChallengeScore();
  for await (const batch of evalBatches(ctx, { view })) {
    const r = await scoreBatch(model, batch);
    lossSum += r.loss * r.count;
    correct += r.correct;
    count += r.count;
    if (view === 'challenge') addChallengeSessions(score, batch, r.probabilities);
  }
  if (view !== 'challenge') {
    for await (const batch of evalBatches(ctx, { view: 'challenge' })) {
      addChallengeSessions(score, batch, (await scoreBatch(model, batch)).probabilities);
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

async function scoreBatch(model: TrainableModel, batch: Batch) {
  const [scalars, probs] = tf.tidy(() => {
    const out = batchLoss(model, batch, { training: false, auxWeight: 0 });
    return [tf.stack([out.mainLoss, out.correct, out.count]), tf.sigmoid(out.logits)];
  });
  try {
    const [loss, correct, count] = await readTensor(scalars);
    return { loss, correct, count, probabilities: (await readTensor(probs)) as Float32Array };
  } finally {
    tf.dispose([scalars, probs]);
  }
}

// The one interface the evaluator, the baselines and `predict` share: a batch in, one skip probability per
// (session, position) out, laid out like the batch ([B*T], index b*T + t, t = session_position - 1).
import type { Batch } from '../data/types.ts';

export type Predictor = (batch: Batch) => Float32Array | Promise<Float32Array>;

/** A predictor computed on the CPU (the baselines): no device to wait for. */
export type CpuPredictor = (batch: Batch) => Float32Array;

/** A predictor that may answer later (a model whose batch is spread over threads); what evaluate and predict take. */
export type AnyPredictor = (batch: Batch) => Float32Array | Promise<Float32Array>;

/** Probabilities become 0/1 predictions at this threshold (the challenge asks for hard guesses). */
export const DECISION_THRESHOLD = 0.5;

export function toClass(probability: number): 0 | 1 {
  return probability >= DECISION_THRESHOLD ? 1 : 0;
}

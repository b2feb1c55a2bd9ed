// The one interface the evaluator, the baselines and `predict` share: a batch in, one skip probability per
// (session, position) out, laid out like the batch ([B*T], index b*T + t, t = session_position - 1).
import type { Batch } from '../data/format/types.ts';

/** May answer later: a model waits for its device or for the threads its batch is spread over. */
export type Predictor = (batch: Batch) => Float32Array | Promise<Float32Array>;

/** A predictor computed on the CPU (the baselines): no device to wait for. */
export type CpuPredictor = (batch: Batch) => Float32Array;

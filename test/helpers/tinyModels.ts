// Shared fixtures for the model tests: small configs and seeded random batches (the model math does not depend on
// what the features mean, so random inputs of the right shape are the honest fixture here).
import { DEFAULTS, type ModelConfig } from '../../src/config/schema.ts';
import type { Batch } from '../../src/data/format/types.ts';
import { REASON_END_CLASSES } from '../../src/models/auxTargets.ts';
import { Rng } from '../../src/util/rng.ts';

export const tinyLstm: ModelConfig = { ...DEFAULTS.model, type: 'lstm', hidden: 8, layers: 2, dropout: 0.2, trackBuckets: 7, trackEmbedding: 3, auxWeight: 0.3 };
export const tinyGru: ModelConfig = { ...tinyLstm, cell: 'gru' };
export const tinyEncoderDecoder: ModelConfig = { ...tinyLstm, type: 'encoder-decoder', decoderBidirectional: true, decoderAttention: true };
export const tinyTransformer: ModelConfig = { ...DEFAULTS.model, type: 'transformer', hidden: 8, layers: 2, heads: 2, ff: 16, dropout: 0.2, trackBuckets: 7, trackEmbedding: 3, auxWeight: 0.3 };

/** A batch of B sessions with lengths between T/2 and T (padding after the end, as the data pipeline does). */
export function randomBatch(B: number, T: number, F: number, seed: number): Batch {
  const rng = Rng.derive(seed, 'test-batch');
  const inputs = new Float32Array(B * T * F);
  const trackIndex = new Int32Array(B * T).fill(-1);
  const present = new Float32Array(B * T);
  const labels = new Float32Array(B * T);
  const auxLabels = new Float32Array(B * T * 4);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const L = Math.ceil(T / 2) + rng.int(T - Math.ceil(T / 2) + 1);
    lengths[b] = L;
    for (let t = 0; t < L; t++) {
      const p = b * T + t;
      present[p] = 1;
      trackIndex[p] = rng.int(50);
      for (let f = 0; f < F; f++) inputs[p * F + f] = rng.normal();
      // A learnable label: the sign of feature 0 (so a tiny model can fit it).
      labels[p] = inputs[p * F] > 0 ? 1 : 0;
      for (let k = 0; k < 4; k++) auxLabels[p * 4 + k] = rng.next() < 0.5 ? 1 : 0;
    }
  }
  // Drawn apart from the rest, so that adding them left every other value of these batches as it was.
  const classes = Rng.derive(seed, 'test-batch-reason-end');
  const reasonEnd = Int32Array.from(present, (p) => (p ? classes.int(REASON_END_CLASSES) : -1));
  return {
    size: B,
    seqLen: T,
    features: F,
    inputs,
    trackIndex,
    mask: present.slice(),
    labels,
    auxLabels,
    reasonEnd,
    present,
    known: present.slice(),
    sessionIds: Array.from({ length: B }, (_, b) => `s${b}`),
    lengths,
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

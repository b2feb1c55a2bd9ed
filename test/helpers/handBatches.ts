// Hand-made batches for the evaluation tests: only the fields the evaluator and baselines read are meaningful.
import type { Batch, FeatureStats } from '../../src/data/format/types.ts';
import { MAX_SESSION_LENGTH } from '../../src/data/format/columns.ts';
import { emptyBatch } from '../../src/data/batch/batches.ts';

export interface HandSession {
  id: string;
  skips: number[]; // label per position, length = session length
}

/** per-position: every row known and scored; challenge: first ⌊L/2⌋ known, the rest scored. */
export function handBatch(sessions: HandSession[], view: 'per-position' | 'challenge'): Batch {
  const T = MAX_SESSION_LENGTH;
  const B = sessions.length;
  const batch = emptyBatch(B, 1);
  sessions.forEach((s, b) => {
    const L = s.skips.length;
    batch.sessionIds[b] = s.id;
    batch.lengths[b] = L;
    const firstHidden = Math.floor(L / 2);
    s.skips.forEach((y, t) => {
      const i = b * T + t;
      batch.present[i] = 1;
      batch.labels[i] = y;
      const known = view === 'per-position' || t < firstHidden;
      batch.known[i] = known ? 1 : 0;
      batch.mask[i] = view === 'per-position' || !known ? 1 : 0;
    });
  });
  return batch;
}

export async function* asBatches(...batches: Batch[]): AsyncIterable<Batch> {
  yield* batches;
}

/** Values of one session's scored positions. */
export function scored(batch: Batch, probs: Float32Array, b: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < batch.seqLen; t++) if (batch.mask[b * batch.seqLen + t] === 1) out.push(probs[b * batch.seqLen + t]);
  return out;
}

/** Feature statistics with only the skip rates per position (and optionally row counts) filled in: all the
 * baselines read. */
export function handStats(skipRateByPosition: number[], rowsByPosition?: number[]): FeatureStats {
  const s: FeatureStats & { rowsByPosition?: number[] } = {
    mean: [],
    std: [],
    vocab: { contextType: {}, reasonStart: {}, reasonEnd: {} },
    rows: 0,
    sessions: 0,
    skipRateByPosition,
  };
  if (rowsByPosition) s.rowsByPosition = rowsByPosition;
  return s;
}

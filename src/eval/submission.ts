// The challenge submission: one line per test session, in input order, each a string of 0/1 (1 = skipped), one
// character per hidden (second-half) position.
import type { Batch } from '../data/format/types.ts';
import { DataError } from '../errors.ts';
import { writeLinesAtomic } from '../util/atomic.ts';
import { firstHiddenPosition, toClass } from '../data/format/challenge.ts';
import type { Predictor } from './predictor.ts';

/** The 0/1 lines of one batch; the mask marks the hidden positions (challenge view). */
export function submissionLines(batch: Batch, probabilities: Float32Array): string[] {
  const T = batch.seqLen;
  const lines: string[] = [];
  for (let b = 0; b < batch.size; b++) {
    let line = '';
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (batch.mask[i] === 1) line += toClass(probabilities[i]);
    }
    const L = batch.lengths[b];
    const expected = L - firstHiddenPosition(L) + 1;
    if (line.length !== expected) {
      throw new DataError(`session ${batch.sessionIds[b]} of length ${L} has ${line.length} tracks to predict, expected ${expected}`);
    }
    lines.push(line);
  }
  return lines;
}

/** Stream batches into the submission file (atomically); returns the number of sessions written. */
export async function writeSubmission(
  path: string,
  batches: AsyncIterable<Batch>,
  predictor: Predictor,
  onProgress?: (sessions: number) => void,
): Promise<number> {
  let sessions = 0;
  await writeLinesAtomic(path, async (writeLine) => {
    for await (const batch of batches) {
      for (const line of submissionLines(batch, await predictor(batch))) await writeLine(line);
      sessions += batch.size;
      onProgress?.(sessions);
    }
  });
  return sessions;
}

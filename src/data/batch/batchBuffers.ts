// Batch memory handed back for reuse (util/spareBuffers.ts): a consumer that is done with a batch returns its
// buffer, and the next batch of the same size is written into it.
import type { Batch } from '../format/types.ts';
import type { SpareBuffers } from '../../util/spareBuffers.ts';

/** The buffers under a batch's arrays (one, for a batch emptyBatch made): what moves when the batch moves. */
export function buffersOf(b: Batch): ArrayBuffer[] {
  return [...new Set([b.inputs, b.trackIndex, b.mask, b.labels, b.auxLabels, b.reasonEnd, b.present, b.known, b.lengths].map((a) => a.buffer as ArrayBuffer))];
}

/**
 * `batches` (made with `buffers`) for a consumer that is done with each batch when it asks for the next: the
 * batch's buffer then goes back to `buffers` and a later batch is written into it.
 */
export async function* recycled(batches: AsyncIterable<Batch>, buffers: SpareBuffers): AsyncIterable<Batch> {
  for await (const batch of batches) {
    yield batch;
    for (const buffer of buffersOf(batch)) buffers.give(buffer);
  }
}

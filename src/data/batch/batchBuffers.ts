// Batch memory handed back for reuse. Batches that cross to another thread are transferred, and each fresh buffer
// counts as new external memory in the receiving heap: at ~450 KB a batch, V8 ran a full mark-compact every ~150
// batches (a third of the trainer thread's time). A consumer that is done with a batch returns its buffer, and the
// next batch of the same size is written into it.
import type { Batch } from '../format/types.ts';

/** The buffers under a batch's arrays (one, for a batch emptyBatch made): what moves when the batch moves. */
export function buffersOf(b: Batch): ArrayBuffer[] {
  return [...new Set([b.inputs, b.trackIndex, b.mask, b.labels, b.auxLabels, b.reasonEnd, b.present, b.known, b.lengths].map((a) => a.buffer as ArrayBuffer))];
}

/** Spare batch buffers, at most `capacity` of them. */
export class BatchBuffers {
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly capacity = 8) {}

  /** A returned buffer of exactly `bytes`, or null (then the batch allocates its own). */
  take(bytes: number): ArrayBuffer | null {
    const i = this.spare.findIndex((b) => b.byteLength === bytes);
    return i < 0 ? null : this.spare.splice(i, 1)[0];
  }

  /** A buffer whose batch is no longer read. */
  give(buffer: ArrayBuffer): void {
    if (this.spare.length < this.capacity && buffer.byteLength > 0) this.spare.push(buffer);
  }
}

/**
 * `batches` (made with `buffers`) for a consumer that is done with each batch when it asks for the next: the
 * batch's buffer then goes back to `buffers` and a later batch is written into it.
 */
export async function* recycled(batches: AsyncIterable<Batch>, buffers: BatchBuffers): AsyncIterable<Batch> {
  for await (const batch of batches) {
    yield batch;
    for (const buffer of buffersOf(batch)) buffers.give(buffer);
  }
}

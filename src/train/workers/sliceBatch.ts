// A batch cut into contiguous runs of sessions, one per gradient worker. Sizes differ by at most one and depend
// only on the batch size and the number of workers, so a run is repeatable for a given worker count.
import type { Batch } from '../../data/format/types.ts';

/** [start, end) session ranges of `parts` slices of a batch of `size` sessions; empty slices are left out. */
export function sliceRanges(size: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < parts; k++) {
    const start = Math.floor((k * size) / parts);
    const end = Math.floor(((k + 1) * size) / parts);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/** Sessions [start, end) of a batch, as a batch of their own (typed arrays are copies, ready to post). */
export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  const { seqLen: T, features: F } = batch;
  const rows = (a: Float32Array | Int32Array, perSession: number) => a.slice(start * perSession, end * perSession);
  return {
    size: end - start,
    seqLen: T,
    features: F,
    inputs: rows(batch.inputs, T * F) as Float32Array,
    trackIndex: rows(batch.trackIndex, T) as Int32Array,
    mask: rows(batch.mask, T) as Float32Array,
    labels: rows(batch.labels, T) as Float32Array,
    auxLabels: rows(batch.auxLabels, T * 4) as Float32Array,
    reasonEnd: rows(batch.reasonEnd, T) as Int32Array,
    present: rows(batch.present, T) as Float32Array,
    known: rows(batch.known, T) as Float32Array,
    sessionIds: batch.sessionIds.slice(start, end),
    lengths: batch.lengths.slice(start, end),
  };
}

// Where a step's arrays sit, for a batch of B sequences of T positions (wgsl/common.ts): the batch, the logits
// and the partial sums in `io` (f32 always); every activation the backward pass reads and the gradients between
// kernels in `act` (f32 or f16); the track keys and the embedding gradient's segments in `ints`. Offsets are in
// elements of their buffer.
import type { EngineShape } from '../engine.ts';
import { ADAM_CHUNK } from './wgsl/adam.ts';
import { LOSS_GROUP, LOSS_PART } from './wgsl/loss.ts';
import { gateRowWidth } from './wgsl/recurrence.ts';

/** Scratch for the parts of split matrix products (matmul.ts): splits·M·N ≤ (128 + tiles)·64² with tiles < 128. */
export const SPLIT_SCRATCH = 256 * 64 * 64;

export interface RecurrentLayerArrays {
  /** The layer's dropped-out input (layers after the first, under dropout). */
  input: number;
  /** A row's gates and their gradient (wgsl/recurrence.ts, gateRowWidth). */
  gates: number;
  /** The LSTM's c and tanh c of every row (none for a GRU). */
  cells: number;
  tanhCells: number;
  /** The GRU's hg_n = h_{t−1}·Wh_n + bh_n of every row, which r gates (none for an LSTM). */
  hn: number;
  outputs: number;
  /** h_{t−1} of every row (zeros at t = 0): the recurrent weights' gradient reads it. */
  previous: number;
}

export interface TransformerLayerArrays {
  stream: number; // h entering the layer
  xhat1: number;
  r1: number;
  y1: number;
  qkv: number;
  probabilities: number;
  merged: number;
  stream1: number; // h after the attention half
  xhat2: number;
  r2: number;
  y2: number;
  hidden: number;
}

export interface Scratch {
  B: number;
  T: number;
  N: number;
  // in io: the batch, the heads' outputs, the partial sums
  inputs: number;
  present: number;
  labels: number;
  auxLabels: number;
  weights: number;
  scored: number;
  out: number;
  lossParts: number;
  squares: number;
  split: number;
  /** Elements of `io` in all. */
  ioTotal: number;
  // in act, shared by both models
  embedded: number;
  encoded: number;
  dOut: number;
  dEmbedded: number;
  gradA: number;
  gradB: number;
  recurrent: RecurrentLayerArrays[];
  transformer: TransformerLayerArrays[];
  final: { stream: number; xhat: number; r: number; y: number };
  // the Transformer's backward scratch
  dropped: number;
  dY: number;
  dQkv: number;
  dMerged: number;
  dHidden: number;
  /** Elements of `act` in all. */
  total: number;
  // in `ints`, after the optimizer's chunk table
  keys: number;
  segmentStarts: number;
  segmentPositions: number;
  segmentBuckets: number;
  intsTotal: number;
}

/** Consecutive offsets in one buffer: each call takes n elements (none for n ≤ 0) and returns where they start. */
function allocator(): ((n: number) => number) & { total: () => number } {
  let next = 0;
  const take = (n: number) => {
    const at = next;
    next += Math.max(n, 0);
    return at;
  };
  return Object.assign(take, { total: () => next });
}

export function planScratch(s: EngineShape, B: number, T: number, chunks: number): Scratch {
  const N = B * T;
  const H = s.hidden;
  const E = s.buckets > 0 ? s.embed : 0;
  const io = allocator();
  const take = allocator();
  const base = {
    B,
    T,
    N,
    inputs: io(N * s.features),
    present: io(N),
    labels: io(N),
    auxLabels: io(N * 4),
    weights: io(N),
    scored: io(N),
    out: io(N * s.outputs),
    lossParts: io(Math.ceil(N / LOSS_GROUP) * LOSS_PART),
    squares: io(chunks),
    split: io(SPLIT_SCRATCH),
    ioTotal: io.total(),
    embedded: take(N * E),
    encoded: take(N * H),
    dOut: take(N * s.outputs),
    dEmbedded: take(N * E),
    gradA: take(N * H),
    gradB: take(N * H),
  };
  const recurrent: RecurrentLayerArrays[] = [];
  const transformer: TransformerLayerArrays[] = [];
  let final = { stream: 0, xhat: 0, r: 0, y: 0 };
  let tail = { dropped: 0, dY: 0, dQkv: 0, dMerged: 0, dHidden: 0 };
  if (s.kind === 'lstm') {
    for (let l = 0; l < s.layers; l++) {
      const lstm = s.cell === 'lstm';
      recurrent.push({
        input: take(l > 0 ? N * H : 0),
        gates: take(N * gateRowWidth(s.cell, H)),
        cells: take(lstm ? N * H : 0),
        tanhCells: take(lstm ? N * H : 0),
        hn: take(lstm ? 0 : N * H),
        outputs: take(N * H),
        previous: take(N * H),
      });
    }
  } else {
    for (let l = 0; l < s.layers; l++) {
      transformer.push({
        stream: take(N * H),
        xhat1: take(N * H),
        r1: take(N),
        y1: take(N * H),
        qkv: take(N * 3 * H),
        probabilities: take(B * s.heads * T * T),
        merged: take(N * H),
        stream1: take(N * H),
        xhat2: take(N * H),
        r2: take(N),
        y2: take(N * H),
        hidden: take(N * s.ff),
      });
    }
    final = { stream: take(N * H), xhat: take(N * H), r: take(N), y: take(N * H) };
    tail = { dropped: take(N * H), dY: take(N * H), dQkv: take(N * 3 * H), dMerged: take(N * H), dHidden: take(N * s.ff) };
  }
  const total = take.total();
  const intsBase = chunks * 3;
  return {
    ...base,
    recurrent,
    transformer,
    final,
    ...tail,
    total,
    keys: intsBase,
    segmentStarts: intsBase + N,
    segmentPositions: intsBase + 2 * N + 1,
    segmentBuckets: intsBase + 3 * N + 1,
    intsTotal: intsBase + 4 * N + 1,
  };
}

/** The optimizer's chunk table: [start, count, decay] per chunk of ≤ ADAM_CHUNK elements, never across tensors. */
export function chunkTable(tensors: { offset: number; size: number; decay: boolean }[]): Int32Array {
  const rows: number[] = [];
  for (const t of tensors) {
    for (let k = 0; k < t.size; k += ADAM_CHUNK) rows.push(t.offset + k, Math.min(ADAM_CHUNK, t.size - k), t.decay ? 1 : 0);
  }
  return Int32Array.from(rows);
}

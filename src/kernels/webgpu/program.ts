// A step as a list of dispatches: which kernel, its arguments, how many workgroups. The model files
// (recurrentProgram.ts, transformerProgram.ts) write their forward and backward passes with the helpers here — the
// matrix products with their epilogues, dropout, the encoder, the heads, the loss and the optimizer — as the C
// engine's recurrentModel.c and transformerModel.c do with gemm.c and friends.
import type { EngineShape, PassValues } from '../engine.ts';
import { dropoutKey } from '../dropoutMask.ts';
import type { KernelName } from './kernels.ts';
import { SPLIT_SCRATCH, type Scratch } from './scratch.ts';
import { MAX_GROUPS } from './wgsl/common.ts';
import { LOSS_GROUP } from './wgsl/loss.ts';
import { MM } from './wgsl/matmul.ts';

export interface Dispatch {
  kernel: KernelName;
  args: Record<string, number>;
  groups: [number, number, number];
}

/** Buffers an operand can live in (wgsl/common.ts). */
export const STATE = 0;
export const ACT = 1;
export const IO = 2;

/** A matrix operand: element (i, k) at buf[off + i·rs + k·cs]. */
export interface Operand {
  buf: number;
  off: number;
  rs: number;
  cs: number;
}

export interface Product {
  M: number;
  N: number;
  K: number;
  a: Operand;
  b: Operand;
  c: { buf: number; off: number; ld: number };
  accumulate?: boolean;
  /** Offset of a bias row in state; `skip` columns take none (the Transformer's key bias). */
  bias?: number;
  relu?: boolean;
  /** Dropout site (index into the pass's seeds) applied to C's elements i·N + j. */
  dropout?: number;
  /** 0 where gate (act, laid out like C) is ≤ 0. */
  gate?: number;
  residual?: { buf: number; off: number; ld: number; wrap?: number };
  /** A's row M − 1 is ones (a weight gradient whose last row is the bias's); `skip` columns of that row get 0. */
  onesRow?: boolean;
  skip?: [number, number];
}

/** The offsets of one tensor in the parameter, moment and gradient regions of `state`. */
export interface TensorAt {
  param: number;
  grad: number;
}

/** Row-major [rows × cols] at `off` of `buf`, read as it is … */
export const rowMajor = (buf: number, off: number, cols: number): Operand => ({ buf, off, rs: cols, cs: 1 });
/** … or transposed (element (i, k) is stored at k·cols + i). */
export const transposed = (buf: number, off: number, cols: number): Operand => ({ buf, off, rs: 1, cs: cols });

export class Program {
  readonly dispatches: Dispatch[] = [];

  constructor(
    readonly shape: EngineShape,
    readonly at: Scratch,
    /** The offsets of a tensor by its model name (`lstm.0.wx`). */
    readonly tensor: (name: string) => TensorAt,
    readonly pass: PassValues | null,
    /** Distinct embedding buckets in the batch (the scatter's segments). */
    readonly segments: number,
    /** Sequences per workgroup of the recurrence kernels (kernels.ts). */
    readonly recurrentRows: number,
    /** The factor on the loss's gradient (a power of two; 1 but with f16 activations, engine.ts). */
    readonly lossScale: number,
  ) {}

  get dropping(): boolean {
    return this.pass?.dropout != null;
  }

  run(kernel: KernelName, args: Record<string, number>, groups: number | [number, number, number]): void {
    this.dispatches.push({ kernel, args, groups: typeof groups === 'number' ? [Math.max(1, Math.min(MAX_GROUPS, groups)), 1, 1] : groups });
  }

  private dropoutArgs(site: number | undefined): Record<string, number> {
    const d = this.pass?.dropout;
    if (site === undefined || !d) return { dropKey: 0, dropThreshold: 0, dropScale: 1 };
    return { dropKey: dropoutKey(d.seeds[site]), dropThreshold: d.threshold, dropScale: d.scale };
  }

  /** C (+)= A·B with its epilogue; a product that leaves few tiles for a long K is split over K (matmul.ts). */
  product(p: Product): void {
    const applied = p.dropout !== undefined && this.dropping;
    const flags =
      (p.accumulate ? MM.ACCUMULATE : 0) |
      (p.bias !== undefined ? MM.BIAS : 0) |
      (p.relu ? MM.RELU : 0) |
      (applied ? MM.DROPOUT : 0) |
      (p.gate !== undefined ? MM.GATE : 0) |
      (p.residual ? MM.RESIDUAL : 0) |
      (p.onesRow ? MM.ONES_ROW : 0);
    const tiles = Math.ceil(p.M / 64) * Math.ceil(p.N / 64);
    const splits = tiles >= 128 ? 1 : Math.max(1, Math.min(Math.ceil(128 / tiles), Math.floor(p.K / 256), Math.floor(SPLIT_SCRATCH / (p.M * p.N))));
    const kPerSplit = Math.ceil(p.K / splits / 16) * 16;
    const args = {
      M: p.M,
      N: p.N,
      K: p.K,
      flags,
      aBuf: p.a.buf,
      aOff: p.a.off,
      rsa: p.a.rs,
      csa: p.a.cs,
      bBuf: p.b.buf,
      bOff: p.b.off,
      rsb: p.b.rs,
      csb: p.b.cs,
      cBuf: p.c.buf,
      cOff: p.c.off,
      ldc: p.c.ld,
      biasOff: p.bias ?? 0,
      resBuf: p.residual?.buf ?? 0,
      resOff: p.residual?.off ?? 0,
      ldr: p.residual?.ld ?? 0,
      resWrap: p.residual?.wrap ?? 0,
      gateOff: p.gate ?? 0,
      ...this.dropoutArgs(applied ? p.dropout : undefined),
      skipFrom: p.skip?.[0] ?? 0,
      skipTo: p.skip?.[1] ?? 0,
      kPerSplit,
      splits: Math.ceil(p.K / kPerSplit) || 1,
      partOff: this.at.split,
    };
    this.run('matmul', args, [Math.ceil(p.N / 64), Math.ceil(p.M / 64), args.splits]);
    if (args.splits > 1) this.run('matmulReduce', args, Math.ceil((p.M * p.N) / 256));
  }

  /** out[k] = in[k] · the mask of dropout site `site`, k < n. */
  dropout(site: number, n: number, from: number, to: number): void {
    const d = this.pass!.dropout!;
    this.run('dropout', { n, inOff: from, outOff: to, key: dropoutKey(d.seeds[site]), threshold: d.threshold, scale: d.scale }, Math.ceil(n / 256));
  }

  /** The encoder (models/encoder.ts): x·W + b + embedding·Wtrack, then dropout site 0 and `then` (a residual). */
  encoderForward(out: number, residual?: Product['residual']): void {
    const { at, shape: s } = this;
    const H = s.hidden;
    const E = s.buckets > 0 ? s.embed : 0;
    const finalTouches = { dropout: 0, residual };
    this.product({
      M: at.N,
      N: H,
      K: s.features,
      a: rowMajor(IO, at.inputs, s.features),
      b: rowMajor(STATE, this.tensor('input.w').param, H),
      c: { buf: ACT, off: out, ld: H },
      bias: this.tensor('input.b').param,
      ...(E ? {} : finalTouches),
    });
    if (!E) return;
    this.run('gather', { N: at.N, E, buckets: s.buckets, keysOff: at.keys, tableOff: this.tensor('track.table').param, outOff: at.embedded }, Math.ceil((at.N * E) / 256));
    this.product({
      M: at.N,
      N: H,
      K: E,
      a: rowMajor(ACT, at.embedded, E),
      b: rowMajor(STATE, this.tensor('track.w').param, H),
      c: { buf: ACT, off: out, ld: H },
      accumulate: true,
      ...finalTouches,
    });
  }

  /**
   * The encoder's backward pass from dOut, the gradient at its output before dropout site 0 was applied (the
   * caller applies it): the weights' gradients, then the embedding rows' (scattered by segments of the batch).
   */
  encoderBackward(dOut: number): void {
    const { at, shape: s } = this;
    const H = s.hidden;
    const E = s.buckets > 0 ? s.embed : 0;
    this.weightGradient('input.w', s.features, H, transposed(IO, at.inputs, s.features), rowMajor(ACT, dOut, H), true);
    if (!E) return;
    this.weightGradient('track.w', E, H, transposed(ACT, at.embedded, E), rowMajor(ACT, dOut, H), false);
    this.product({ M: at.N, N: E, K: H, a: rowMajor(ACT, dOut, H), b: transposed(STATE, this.tensor('track.w').param, H), c: { buf: ACT, off: at.dEmbedded, ld: E } });
    this.run(
      'scatter',
      { E, segments: this.segments, startOff: at.segmentStarts, positionsOff: at.segmentPositions, bucketsOff: at.segmentBuckets, dEmbOff: at.dEmbedded, gradOff: this.tensor('track.table').grad },
      Math.ceil((this.segments * E) / 256),
    );
  }

  /**
   * The gradient of weight `name` [rows × cols] (and, with `bias`, of the bias stored right after it) from the
   * layer's input X and the gradient at its output dY [N × cols] (operands over the batch's rows).
   */
  weightGradient(name: string, rows: number, cols: number, x: Operand, dY: Operand, bias: boolean, skip?: [number, number]): void {
    this.product({ M: rows + (bias ? 1 : 0), N: cols, K: this.at.N, a: x, b: dY, c: { buf: STATE, off: this.tensor(name).grad, ld: cols }, onesRow: bias, skip });
  }

  /** The gradient of bias `name` [cols], Σ over the batch's rows of dY [N × cols]: a product whose A is a ones row alone. */
  biasGradient(name: string, cols: number, dY: Operand): void {
    this.product({ M: 1, N: cols, K: this.at.N, a: dY /* not read: row M − 1 of A is the ones row */, b: dY, c: { buf: STATE, off: this.tensor(name).grad, ld: cols }, onesRow: true });
  }

  /** The heads (models/heads.ts) on the last hidden rows `h` [N × H]. */
  headsForward(h: number): void {
    const { at, shape: s } = this;
    this.product({ M: at.N, N: s.outputs, K: s.hidden, a: rowMajor(ACT, h, s.hidden), b: rowMajor(STATE, this.tensor('head.w').param, s.outputs), c: { buf: IO, off: at.out, ld: s.outputs }, bias: this.tensor('head.b').param });
  }

  /** The loss and its gradient at the heads (dOut), then the heads' backward pass into dH [N × H]. */
  lossAndHeadsBackward(h: number, dH: number): void {
    const { at, shape: s } = this;
    const pass = this.pass!;
    const auxScale = (k: number) => (this.lossScale * pass.auxWeights[k]) / pass.denominator;
    this.run(
      'loss',
      {
        N: at.N,
        O: s.outputs,
        outOff: at.out,
        doutOff: at.dOut,
        labelsOff: at.labels,
        auxOff: at.auxLabels,
        weightsOff: at.weights,
        scoredOff: at.scored,
        partOff: at.lossParts,
        mainScale: this.lossScale / pass.denominator,
        auxScale0: auxScale(0),
        auxScale1: auxScale(1),
        auxScale2: auxScale(2),
        auxScale3: auxScale(3),
      },
      Math.ceil(at.N / LOSS_GROUP),
    );
    this.product({ M: at.N, N: s.hidden, K: s.outputs, a: rowMajor(ACT, at.dOut, s.outputs), b: transposed(STATE, this.tensor('head.w').param, s.outputs), c: { buf: ACT, off: dH, ld: s.hidden } });
    this.weightGradient('head.w', s.hidden, s.outputs, transposed(ACT, h, s.hidden), rowMajor(ACT, at.dOut, s.outputs), true);
  }
}

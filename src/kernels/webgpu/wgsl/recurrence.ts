// What the LSTM's and the GRU's kernels (lstm.ts, gru.ts) share: one layer's recurrence over the whole sequence as
// one dispatch, forward or backward. Each workgroup owns `rows` sequences of the batch and loops over T with
// workgroup barriers, so no step needs a grid-wide barrier. A step is the recurrent product of the workgroup's rows,
// then the cell's own elementwise work per (row, unit):
//   forward   sums = start + h_{t−1}·Wh            over the cell's G·H gate columns (h_{t−1} in workgroup memory)
//   backward  dh = dy_t + dNext_{t+1}·Whᵀ            dNext: the gradient at step t+1's recurrent sums
// Rows are batch-major (b·T + t). The recurrent weights are read from the state buffer each step (at H = 64 an
// LSTM's are 64 KiB, more than a workgroup's memory); each thread keeps several sums in registers through one pass
// over k. A workgroup carries `rows` sequences (at most `maxRows`, what its memory holds): few at small batches, so
// that many workgroups share the sequential work, more at large ones, so that fewer re-read the weights.
import type { EngineShape } from '../../engine.ts';
import { prelude, type KernelArgs } from './common.ts';

type CellName = EngineShape['cell'];

/** Gate columns per unit: the LSTM's i, f, o, g; the GRU's r, z, n. */
export const CELL_GATES: Record<CellName, number> = { lstm: 4, gru: 3 };

/**
 * Columns of a row of a layer's gate array: its gates, and for the GRU as many again, where its backward pass puts
 * the gradient at h's side (it differs from x's side in n's column: dn⊙r, not dn; wgsl/gru.ts).
 */
export function gateRowWidth(cell: CellName, H: number): number {
  return (cell === 'gru' ? 2 : 1) * CELL_GATES[cell] * H;
}

/** Workgroup floats per sequence: the larger of forward's h and sums and backward's dNext, dh and carry. */
export const workgroupFloatsPerRow = (cell: CellName, H: number) => (CELL_GATES[cell] + 2) * H;

/** A cell's part of a recurrence kernel. */
export interface CellStep {
  args: KernelArgs;
  H: number;
  /** Gate columns per unit (CELL_GATES). */
  gates: number;
  maxRows: number;
  /**
   * The elementwise work of unit q of row r (sequence b, row `row` of the batch) at step t, with `p` = r·H + q
   * and `sr` = r·GH, where the row's sums (forward) or dNext (backward) start.
   */
  step: string;
}

/** The loop over the workgroup's (row, unit) pairs around the cell's step, and the barrier after it. */
function unitLoop(step: string): string {
  return /* wgsl */ `
    for (var p = lid; p < R * H; p += 256u) {
      let r = p / H;
      let q = p % H;
      let b = b0 + r;
      if (b < u.B) {
        let row = b * u.T + t;
        let sr = r * GH;
        ${step}
      }
    }
    workgroupBarrier();`;
}

/** Constants every recurrence kernel declares. */
function constants(c: CellStep, perThreadOf: number): string {
  return /* wgsl */ `
const H = ${c.H}u;
const GH = ${c.gates * c.H}u;
const PER_THREAD = ${Math.ceil((c.maxRows * perThreadOf) / 256)}u;`;
}

/**
 * The forward kernel: `start` (WGSL, of b, t and the column p % GH) begins entry p of the sums; the cell's step
 * reads sums[sr + …] and h_{t−1} as hp[p], and must leave h_t in hp[p].
 */
export function recurrenceForwardKernel(c: CellStep, start: string): string {
  return /* wgsl */ `${prelude(c.args)}${constants(c, c.gates * c.H)}
var<workgroup> hp: array<f32, ${c.maxRows * c.H}>;
var<workgroup> sums: array<f32, ${c.maxRows * c.gates * c.H}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let R = u.rows;
  let b0 = wg.x * R;
  for (var p = lid; p < R * H; p += 256u) { hp[p] = 0.0; }
  workgroupBarrier();
  for (var t = 0u; t < u.T; t++) {
    // Thread lid owns entries lid, lid + 256, … of the rows × GH block.
    var acc: array<f32, PER_THREAD>;
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      let b = b0 + p / GH;
      if (p < R * GH && b < u.B) { acc[o] = ${start}; }
    }
    if (t > 0u) {
      for (var k = 0u; k < H; k++) {
        for (var o = 0u; o < PER_THREAD; o++) {
          let p = lid + o * 256u;
          if (p < R * GH) { acc[o] += hp[(p / GH) * H + k] * state[u.whOff + k * GH + p % GH]; }
        }
      }
    }
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      if (p < R * GH) { sums[p] = acc[o]; }
    }
    workgroupBarrier();${unitLoop(c.step)}
  }
}
`;
}

/**
 * The backward kernel, from `dhOff` (the gradient at the layer's outputs): the cell's step reads dh[p] (without
 * what the cell carries itself from step t+1: carry[p], set by it, valid when step > 0) and must write its
 * recurrent sums' gradient into dNext[sr + …] for the step before.
 */
export function recurrenceBackwardKernel(c: CellStep): string {
  return /* wgsl */ `${prelude(c.args)}${constants(c, c.H)}
var<workgroup> dNext: array<f32, ${c.maxRows * c.gates * c.H}>;
var<workgroup> dh: array<f32, ${c.maxRows * c.H}>;
var<workgroup> carry: array<f32, ${c.maxRows * c.H}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let R = u.rows;
  let b0 = wg.x * R;
  for (var step = 0u; step < u.T; step++) {
    let t = u.T - 1u - step;
    // Thread lid owns entries lid, lid + 256, … of the rows × H block.
    var acc: array<f32, PER_THREAD>;
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      let b = b0 + p / H;
      if (p < R * H && b < u.B) { acc[o] = getAct(u.dhOff + (b * u.T + t) * H + p % H); }
    }
    if (step > 0u) {
      for (var j = 0u; j < GH; j++) {
        for (var o = 0u; o < PER_THREAD; o++) {
          let p = lid + o * 256u;
          if (p < R * H) { acc[o] += dNext[(p / H) * GH + j] * state[u.whOff + (p % H) * GH + j]; }
        }
      }
    }
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      if (p < R * H) { dh[p] = acc[o]; }
    }
    workgroupBarrier();${unitLoop(c.step)}
  }
}
`;
}

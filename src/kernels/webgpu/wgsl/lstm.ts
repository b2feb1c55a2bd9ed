// One LSTM layer's recurrence over the whole sequence, forward and backward, as one dispatch each (the C engine's
// lstm.c, and kernels/lstmSequence.ts, the tf-ops reference). Each workgroup owns `rows` sequences of the batch
// and loops over T with workgroup barriers, so no step needs a grid-wide barrier. The input projection x·Wx + b
// of every position is one matrix product before the forward kernel; the weight gradients are matrix products
// after the backward kernel. Rows are batch-major (b·T + t); gate columns (i, f, o, g):
//   i,f,o = σ(z)   g = tanh(z)   c_t = f⊙c_{t−1} + i⊙g   h_t = o⊙tanh(c_t)      z_t = xproj_t + h_{t−1}·Wh
// Backward, with dh_t = dy_t + dz_{t+1}·Whᵀ and the carry f_{t+1}⊙dc_{t+1}:
//   dc_t = dh_t⊙o⊙(1−tanh²c_t) + carry   dz = [dc⊙g⊙i(1−i), dc⊙c_{t−1}⊙f(1−f), dh⊙tanh(c)⊙o(1−o), dc⊙i⊙(1−g²)]
// The recurrent weights are read from the state buffer each step (at H = 64 they are 64 KiB, more than a
// workgroup's memory); the previous step's h (or dz) of the workgroup's rows sits in workgroup memory. A
// workgroup carries `rows` sequences (at most `maxRows`, what its memory holds): few at small batches, so that
// many workgroups share the sequential work, more at large ones, so that fewer re-read the weights. Each thread
// keeps several gate sums in registers through one pass over k.
import { prelude, type KernelArgs } from './common.ts';

export const LSTM_FORWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'cOff', 'tcOff', 'hsOff', 'hpOff'] };
export const LSTM_BACKWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'cOff', 'tcOff', 'dhOff'] };

/** `gOff` holds x·Wx + b on entry and the activated gates on exit; also writes c, tanh c, h and h_{t−1} per row. */
export function lstmForwardKernel(H: number, maxRows: number): string {
  const perThread = Math.ceil((maxRows * 4 * H) / 256);
  return /* wgsl */ `${prelude(LSTM_FORWARD_ARGS)}
const H = ${H}u;
const G4 = ${4 * H}u;
const PER_THREAD = ${perThread}u;
var<workgroup> hp: array<f32, ${maxRows * H}>;
var<workgroup> z: array<f32, ${maxRows * 4 * H}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let R = u.rows;
  let b0 = wg.x * R;
  for (var p = lid; p < R * H; p += 256u) { hp[p] = 0.0; }
  workgroupBarrier();
  for (var t = 0u; t < u.T; t++) {
    // Gate sums z = xproj + h_{t−1}·Wh: thread lid owns entries lid, lid + 256, … of the rows × 4H block.
    var acc: array<f32, PER_THREAD>;
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      let b = b0 + p / G4;
      if (p < R * G4 && b < u.B) { acc[o] = getAct(u.gOff + (b * u.T + t) * G4 + p % G4); }
    }
    if (t > 0u) {
      for (var k = 0u; k < H; k++) {
        for (var o = 0u; o < PER_THREAD; o++) {
          let p = lid + o * 256u;
          if (p < R * G4) { acc[o] += hp[(p / G4) * H + k] * state[u.whOff + k * G4 + p % G4]; }
        }
      }
    }
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      if (p < R * G4) { z[p] = acc[o]; }
    }
    workgroupBarrier();
    for (var p = lid; p < R * H; p += 256u) {
      let r = p / H;
      let q = p % H;
      let b = b0 + r;
      if (b < u.B) {
        let row = b * u.T + t;
        let zr = r * G4;
        let i = sigmoid(z[zr + q]);
        let f = sigmoid(z[zr + H + q]);
        let o = sigmoid(z[zr + 2u * H + q]);
        let g = tanhSafe(z[zr + 3u * H + q]);
        var c = i * g;
        if (t > 0u) { c += f * getAct(u.cOff + (row - 1u) * H + q); }
        let tc = tanhSafe(c);
        let gr = u.gOff + row * G4;
        setAct(gr + q, i);
        setAct(gr + H + q, f);
        setAct(gr + 2u * H + q, o);
        setAct(gr + 3u * H + q, g);
        setAct(u.cOff + row * H + q, c);
        setAct(u.tcOff + row * H + q, tc);
        setAct(u.hpOff + row * H + q, hp[p]);
        let h = o * tc;
        setAct(u.hsOff + row * H + q, h);
        hp[p] = h;
      }
    }
    workgroupBarrier();
  }
}
`;
}

/** `dhOff`: the gradient at the layer's outputs; `gOff`: the activated gates on entry, dz on exit. */
export function lstmBackwardKernel(H: number, maxRows: number): string {
  const perThread = Math.ceil((maxRows * H) / 256);
  return /* wgsl */ `${prelude(LSTM_BACKWARD_ARGS)}
const H = ${H}u;
const G4 = ${4 * H}u;
const PER_THREAD = ${perThread}u;
var<workgroup> dzNext: array<f32, ${maxRows * 4 * H}>;
var<workgroup> dh: array<f32, ${maxRows * H}>;
var<workgroup> carry: array<f32, ${maxRows * H}>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let R = u.rows;
  let b0 = wg.x * R;
  for (var step = 0u; step < u.T; step++) {
    let t = u.T - 1u - step;
    // dh = dy + dz_{t+1}·Whᵀ: thread lid owns entries lid, lid + 256, … of the rows × H block.
    var acc: array<f32, PER_THREAD>;
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      let b = b0 + p / H;
      if (p < R * H && b < u.B) { acc[o] = getAct(u.dhOff + (b * u.T + t) * H + p % H); }
    }
    if (step > 0u) {
      for (var j = 0u; j < G4; j++) {
        for (var o = 0u; o < PER_THREAD; o++) {
          let p = lid + o * 256u;
          if (p < R * H) { acc[o] += dzNext[(p / H) * G4 + j] * state[u.whOff + (p % H) * G4 + j]; }
        }
      }
    }
    for (var o = 0u; o < PER_THREAD; o++) {
      let p = lid + o * 256u;
      if (p < R * H) { dh[p] = acc[o]; }
    }
    workgroupBarrier();
    for (var p = lid; p < R * H; p += 256u) {
      let r = p / H;
      let q = p % H;
      let b = b0 + r;
      if (b < u.B) {
        let row = b * u.T + t;
        let gr = u.gOff + row * G4;
        let i = getAct(gr + q);
        let f = getAct(gr + H + q);
        let o = getAct(gr + 2u * H + q);
        let g = getAct(gr + 3u * H + q);
        let tc = getAct(u.tcOff + row * H + q);
        let dhv = dh[p];
        var dc = dhv * o * (1.0 - tc * tc);
        if (step > 0u) { dc += carry[p]; }
        var c0 = 0.0;
        if (t > 0u) { c0 = getAct(u.cOff + (row - 1u) * H + q); }
        let dzi = dc * g * i * (1.0 - i);
        let dzf = dc * c0 * f * (1.0 - f);
        let dzo = dhv * tc * o * (1.0 - o);
        let dzg = dc * i * (1.0 - g * g);
        setAct(gr + q, dzi);
        setAct(gr + H + q, dzf);
        setAct(gr + 2u * H + q, dzo);
        setAct(gr + 3u * H + q, dzg);
        let zr = r * G4;
        dzNext[zr + q] = dzi;
        dzNext[zr + H + q] = dzf;
        dzNext[zr + 2u * H + q] = dzo;
        dzNext[zr + 3u * H + q] = dzg;
        carry[p] = dc * f;
      }
    }
    workgroupBarrier();
  }
}
`;
}

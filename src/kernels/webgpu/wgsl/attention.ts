// Causal multi-head self-attention, forward and backward, one dispatch each for all heads (the C engine's
// attention.c; models/transformer.ts is the tf-ops reference). One workgroup per (sequence, head) with the head's
// keys and values in workgroup memory; a thread per query (forward, and the query half of the backward pass) or per
// key (the key half):
//   S = (q·s)·kᵀ + bias (−1e9 above the diagonal and at padded keys), P = softmax(S), O = P·v
//   dv = Pᵀ·dO, dP = dO·vᵀ, dS = P⊙(dP − rowsum(P⊙dP)), dq = s·dS·k, dk = dSᵀ·(q·s)
// A masked score's exp(−1e9 − max) is 0 in f32, so masked keys get P = 0 without their sums; a query with every
// key masked (no track at or before it) takes the reference's literal −1e9 sums instead. P is kept for the
// backward pass ([B, heads, T, T] is smaller than the qkv rows at T ≤ 20).
import { prelude, type KernelArgs } from './common.ts';

export const ATTENTION_FORWARD_ARGS: KernelArgs = { names: ['B', 'T', 'qkvOff', 'presentOff', 'pOff', 'outOff', 'scale'], floats: ['scale'] };
export const ATTENTION_BACKWARD_ARGS: KernelArgs = { names: ['B', 'T', 'qkvOff', 'pOff', 'dOutOff', 'dQkvOff', 'scale'], floats: ['scale'] };

function constants(d: number, heads: number, maxLen: number): string {
  return /* wgsl */ `
const D = ${d}u;
const HEADS = ${heads}u;
const DH = ${d / heads}u;
const TMAX = ${maxLen}u;
const LD = ${3 * d}u;
const MASKED = -1e9;
`;
}

export function attentionForwardKernel(d: number, heads: number, maxLen: number): string {
  return /* wgsl */ `${prelude(ATTENTION_FORWARD_ARGS)}
${constants(d, heads, maxLen)}
var<workgroup> Ks: array<f32, ${maxLen * (d / heads)}>;
var<workgroup> Vs: array<f32, ${maxLen * (d / heads)}>;
var<workgroup> present: array<f32, ${maxLen}>;

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let T = u.T;
  for (var bh = wg.x; bh < u.B * HEADS; bh += groups.x) {
    let b = bh / HEADS;
    let h = bh % HEADS;
    let base = u.qkvOff + b * T * LD + h * DH;
    for (var p = lid; p < T * DH; p += 32u) {
      let j = p / DH;
      let c = p % DH;
      Ks[p] = getAct(base + j * LD + D + c);
      Vs[p] = getAct(base + j * LD + 2u * D + c);
    }
    for (var j = lid; j < T; j += 32u) { present[j] = io[u.presentOff + b * T + j]; }
    workgroupBarrier();
    for (var t = lid; t < T; t += 32u) {
      var s: array<f32, TMAX>;
      var q: array<f32, DH>;
      for (var c = 0u; c < DH; c++) { q[c] = getAct(base + t * LD + c) * u.scale; }
      var allowed = 0u;
      for (var j = 0u; j <= t; j++) { allowed += select(0u, 1u, present[j] != 0.0); }
      var best = -3.4e38;
      for (var j = 0u; j < T; j++) {
        var v = 0.0;
        for (var c = 0u; c < DH; c++) { v += q[c] * Ks[j * DH + c]; }
        let ok = j <= t && present[j] != 0.0;
        if (allowed == 0u) {
          v += select(0.0, MASKED, j > t) + select(MASKED, 0.0, present[j] != 0.0);
        }
        s[j] = v;
        if ((allowed == 0u || ok) && v > best) { best = v; }
      }
      var sum = 0.0;
      for (var j = 0u; j < T; j++) {
        let ok = allowed == 0u || (j <= t && present[j] != 0.0);
        let e = select(0.0, exp(s[j] - best), ok);
        s[j] = e;
        sum += e;
      }
      let inv = 1.0 / sum;
      let pRow = u.pOff + (bh * T + t) * T;
      var o: array<f32, DH>;
      for (var j = 0u; j < T; j++) {
        let pj = s[j] * inv;
        setAct(pRow + j, pj);
        for (var c = 0u; c < DH; c++) { o[c] += pj * Vs[j * DH + c]; }
      }
      let out = u.outOff + (b * T + t) * D + h * DH;
      for (var c = 0u; c < DH; c++) { setAct(out + c, o[c]); }
    }
    workgroupBarrier();
  }
}
`;
}

export function attentionBackwardKernel(d: number, heads: number, maxLen: number): string {
  const dh = d / heads;
  return /* wgsl */ `${prelude(ATTENTION_BACKWARD_ARGS)}
${constants(d, heads, maxLen)}
var<workgroup> Qs: array<f32, ${maxLen * dh}>;
var<workgroup> Ks: array<f32, ${maxLen * dh}>;
var<workgroup> Vs: array<f32, ${maxLen * dh}>;
var<workgroup> dOs: array<f32, ${maxLen * dh}>;
var<workgroup> Ps: array<f32, ${maxLen * maxLen}>;
var<workgroup> dS: array<f32, ${maxLen * maxLen}>;

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  let T = u.T;
  for (var bh = wg.x; bh < u.B * HEADS; bh += groups.x) {
    let b = bh / HEADS;
    let h = bh % HEADS;
    let base = u.qkvOff + b * T * LD + h * DH;
    for (var p = lid; p < T * DH; p += 32u) {
      let j = p / DH;
      let c = p % DH;
      Qs[p] = getAct(base + j * LD + c) * u.scale;
      Ks[p] = getAct(base + j * LD + D + c);
      Vs[p] = getAct(base + j * LD + 2u * D + c);
      dOs[p] = getAct(u.dOutOff + (b * T + j) * D + h * DH + c);
    }
    for (var p = lid; p < T * T; p += 32u) { Ps[p] = getAct(u.pOff + bh * T * T + p); }
    workgroupBarrier();
    let dBase = u.dQkvOff + b * T * LD + h * DH;
    for (var t = lid; t < T; t += 32u) {
      var dP: array<f32, TMAX>;
      var rowDot = 0.0;
      for (var j = 0u; j < T; j++) {
        var v = 0.0;
        for (var c = 0u; c < DH; c++) { v += dOs[t * DH + c] * Vs[j * DH + c]; }
        dP[j] = v;
        rowDot += Ps[t * T + j] * v;
      }
      var dq: array<f32, DH>;
      for (var j = 0u; j < T; j++) {
        let ds = Ps[t * T + j] * (dP[j] - rowDot);
        dS[t * T + j] = ds;
        for (var c = 0u; c < DH; c++) { dq[c] += ds * Ks[j * DH + c]; }
      }
      for (var c = 0u; c < DH; c++) { setAct(dBase + t * LD + c, dq[c] * u.scale); }
    }
    workgroupBarrier();
    for (var j = lid; j < T; j += 32u) {
      var dk: array<f32, DH>;
      var dv: array<f32, DH>;
      for (var t = 0u; t < T; t++) {
        let ds = dS[t * T + j];
        let pj = Ps[t * T + j];
        for (var c = 0u; c < DH; c++) {
          dk[c] += ds * Qs[t * DH + c];
          dv[c] += pj * dOs[t * DH + c];
        }
      }
      for (var c = 0u; c < DH; c++) {
        setAct(dBase + j * LD + D + c, dk[c]);
        setAct(dBase + j * LD + 2u * D + c, dv[c]);
      }
    }
    workgroupBarrier();
  }
}
`;
}

// Layer normalisation over rows of width d, forward and backward (the C engine's layerNorm.c; kernels/layerNorm.ts
// is the tf-ops reference):  x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ⊙x̂ + β;  g = dy⊙γ,
//   dx (+)= r·(g − mean(g) − x̂⊙mean(g⊙x̂)) (added into a residual stream's gradient),  dγ = Σ_rows dy⊙x̂,  dβ = Σ_rows dy.
// A row per workgroup of 64 threads (a row's sums are tree reductions in workgroup memory); the parameter
// gradients, sums over all rows, are a kernel of their own: 64 columns × 4 row lanes per workgroup.
import { prelude, type KernelArgs } from './common.ts';

export const LN_FORWARD_ARGS: KernelArgs = { names: ['N', 'xOff', 'gammaOff', 'betaOff', 'xhatOff', 'rOff', 'yOff'] };
export const LN_BACKWARD_ARGS: KernelArgs = { names: ['N', 'dyOff', 'xhatOff', 'rOff', 'gammaOff', 'dxOff', 'accumulate'] };
export const LN_PARAMS_ARGS: KernelArgs = { names: ['N', 'dyOff', 'xhatOff', 'dGammaOff', 'dBetaOff'] };

const ROW_SUM = /* wgsl */ `
var<workgroup> partial: array<f32, 64>;

/** The sum of every thread's v (called by all 64 threads of the workgroup). */
fn rowSum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var half = 32u; half > 0u; half >>= 1u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
`;

export function layerNormForwardKernel(d: number): string {
  return /* wgsl */ `${prelude(LN_FORWARD_ARGS)}
const D = ${d}u;
${ROW_SUM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  for (var row = wg.x; row < u.N; row += groups.x) {
    let x = u.xOff + row * D;
    var s = 0.0;
    for (var j = lid; j < D; j += 64u) { s += getAct(x + j); }
    let mean = rowSum(lid, s) / f32(D);
    var q = 0.0;
    for (var j = lid; j < D; j += 64u) { let c = getAct(x + j) - mean; q += c * c; }
    let r = 1.0 / sqrt(rowSum(lid, q) / f32(D) + 1e-5);
    if (lid == 0u) { setAct(u.rOff + row, r); }
    for (var j = lid; j < D; j += 64u) {
      let h = (getAct(x + j) - mean) * r;
      setAct(u.xhatOff + row * D + j, h);
      setAct(u.yOff + row * D + j, h * state[u.gammaOff + j] + state[u.betaOff + j]);
    }
  }
}
`;
}

export function layerNormBackwardKernel(d: number): string {
  return /* wgsl */ `${prelude(LN_BACKWARD_ARGS)}
const D = ${d}u;
${ROW_SUM}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  for (var row = wg.x; row < u.N; row += groups.x) {
    let at = row * D;
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < D; j += 64u) {
      let g = getAct(u.dyOff + at + j) * state[u.gammaOff + j];
      sg += g;
      sgx += g * getAct(u.xhatOff + at + j);
    }
    let mg = rowSum(lid, sg) / f32(D);
    let mgx = rowSum(lid, sgx) / f32(D);
    let r = getAct(u.rOff + row);
    for (var j = lid; j < D; j += 64u) {
      let g = getAct(u.dyOff + at + j) * state[u.gammaOff + j];
      let dx = (g - mg - getAct(u.xhatOff + at + j) * mgx) * r;
      if (u.accumulate != 0u) { setAct(u.dxOff + at + j, getAct(u.dxOff + at + j) + dx); } else { setAct(u.dxOff + at + j, dx); }
    }
  }
}
`;
}

/** dγ and dβ written into the gradient (state), each a sum over all N rows in a fixed order. */
export function layerNormParamsKernel(d: number): string {
  return /* wgsl */ `${prelude(LN_PARAMS_ARGS)}
const D = ${d}u;
var<workgroup> sums: array<f32, 512>;

@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j = wg.x * 64u + lid.x;
  var sg = 0.0;
  var sb = 0.0;
  if (j < D) {
    for (var row = lid.y; row < u.N; row += 4u) {
      let dy = getAct(u.dyOff + row * D + j);
      sg += dy * getAct(u.xhatOff + row * D + j);
      sb += dy;
    }
  }
  sums[lid.y * 64u + lid.x] = sg;
  sums[256u + lid.y * 64u + lid.x] = sb;
  workgroupBarrier();
  if (lid.y == 0u && j < D) {
    state[u.dGammaOff + j] = sums[lid.x] + sums[64u + lid.x] + sums[128u + lid.x] + sums[192u + lid.x];
    state[u.dBetaOff + j] = sums[256u + lid.x] + sums[320u + lid.x] + sums[384u + lid.x] + sums[448u + lid.x];
  }
}
`;
}

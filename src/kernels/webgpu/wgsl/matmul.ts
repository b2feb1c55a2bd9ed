// C (+)= A·B for every matrix product of a step, as a 64 × 64 output tile per workgroup of 16 × 16 threads (4 × 4
// outputs each), A and B staged through workgroup memory 16 deep. Operands are read through strides, as in the C
// engine's gemm.c, so one kernel serves x·W (forward), dy·Wᵀ (the gradient at the input) and xᵀ·dy (a weight
// gradient): A(i, k) = A[aOff + i·rsa + k·csa], B(k, j) = B[bOff + k·rsb + j·csb]. What the C engine does in
// separate passes happens on the way out of the registers (the epilogue, in this order): + C (accumulate),
// + bias, ReLU, dropout (mask element i·N + j of the site), ReLU's backward (0 where gate ≤ 0), + a residual row.
// ONES_ROW appends a row of ones to A (row M − 1), so a weight gradient's last row is its bias's gradient: Σ dy.
// Columns [skipFrom, skipTo) take no bias, and get a zero bias gradient (the Transformer's key bias).
// A weight gradient reduces over all positions of the batch, which leaves few tiles for many rows: it is split
// over workgroups along K (the grid's z), each writing its partial tile, and matmulReduce adds the parts up in
// a fixed order and applies the epilogue.
import { prelude, type KernelArgs } from './common.ts';

export const MM = {
  ACCUMULATE: 1,
  BIAS: 2,
  RELU: 4,
  DROPOUT: 8,
  GATE: 16,
  RESIDUAL: 32,
  ONES_ROW: 64,
} as const;

/** The arguments of matmul and matmulReduce. */
export const MATMUL_ARGS: KernelArgs = {
  names: [
  'M', 'N', 'K', 'flags',
  'aBuf', 'aOff', 'rsa', 'csa',
  'bBuf', 'bOff', 'rsb', 'csb',
  'cBuf', 'cOff', 'ldc', 'biasOff',
  'resBuf', 'resOff', 'ldr', 'resWrap',
  'gateOff', 'dropKey', 'dropThreshold', 'dropScale',
  'skipFrom', 'skipTo', 'kPerSplit', 'splits',
  'partOff',
  ],
  floats: ['dropScale'],
};

const EPILOGUE = /* wgsl */ `
fn has(flag: u32) -> bool { return (u.flags & flag) != 0u; }

fn finish(i: u32, j: u32, sum: f32) {
  var v = sum;
  let at = u.cOff + i * u.ldc + j;
  if (has(${MM.ACCUMULATE}u)) { v += load(u.cBuf, at); }
  let skipped = j >= u.skipFrom && j < u.skipTo;
  if (has(${MM.BIAS}u) && !skipped) { v += state[u.biasOff + j]; }
  if (has(${MM.RELU}u)) { v = max(v, 0.0); }
  if (has(${MM.DROPOUT}u)) { v *= dropoutFactor(u.dropKey, i * u.N + j, u.dropThreshold, u.dropScale); }
  if (has(${MM.GATE}u) && getAct(u.gateOff + i * u.ldc + j) <= 0.0) { v = 0.0; }
  if (has(${MM.RESIDUAL}u)) {
    let row = select(i, i % u.resWrap, u.resWrap > 0u);
    v += load(u.resBuf, u.resOff + row * u.ldr + j);
  }
  if (has(${MM.ONES_ROW}u) && i == u.M - 1u && skipped) { v = 0.0; }
  store(u.cBuf, at, v);
}
`;

export function matmulKernel(): string {
  return /* wgsl */ `${prelude(MATMUL_ARGS)}
${EPILOGUE}
const TILE = 64u;
const DEPTH = 16u;
var<workgroup> As: array<f32, 1024>; // [DEPTH][TILE]
var<workgroup> Bs: array<vec4f, 256>; // [DEPTH][TILE / 4]

fn loadA(i: u32, k: u32, kEnd: u32) -> f32 {
  if (i >= u.M || k >= kEnd) { return 0.0; }
  if (has(${MM.ONES_ROW}u) && i == u.M - 1u) { return 1.0; }
  return load(u.aBuf, u.aOff + i * u.rsa + k * u.csa);
}

fn loadB(k: u32, j: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || j >= u.N) { return 0.0; }
  return load(u.bBuf, u.bOff + k * u.rsb + j * u.csb);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i0 = wg.y * TILE;
  let j0 = wg.x * TILE;
  let kBegin = wg.z * u.kPerSplit;
  let kEnd = min(u.K, kBegin + u.kPerSplit);
  let tid = lid.y * 16u + lid.x;
  // Thread (x, y) owns rows i0 + 4y … 4y + 3 and columns j0 + 4x … 4x + 3: four rows of four columns.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = kBegin; k0 < kEnd; k0 += DEPTH) {
    // Neighbouring threads read neighbouring addresses: along i when A's rows are adjacent (rsa = 1), else along k.
    for (var q = 0u; q < 4u; q++) {
      let e = tid + q * 256u;
      var ii = e / DEPTH;
      var kk = e % DEPTH;
      if (u.rsa == 1u) { ii = e % TILE; kk = e / TILE; }
      As[kk * TILE + ii] = loadA(i0 + ii, k0 + kk, kEnd);
      var jj = e % TILE;
      var kb = e / TILE;
      if (u.csb != 1u) { jj = e / DEPTH; kb = e % DEPTH; }
      Bs[kb * 16u + jj / 4u][jj % 4u] = loadB(k0 + kb, j0 + jj, kEnd);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      let b = Bs[kk * 16u + lid.x];
      let a = kk * TILE + lid.y * 4u;
      acc0 += As[a] * b;
      acc1 += As[a + 1u] * b;
      acc2 += As[a + 2u] * b;
      acc3 += As[a + 3u] * b;
    }
    workgroupBarrier();
  }
  let rows = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + lid.y * 4u + r;
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + lid.x * 4u + c;
      if (i < u.M && j < u.N) {
        if (u.splits > 1u) { io[u.partOff + (wg.z * u.M + i) * u.N + j] = rows[r][c]; }
        else { finish(i, j, rows[r][c]); }
      }
    }
  }
}
`;
}

/** The parts of a split product added up in split order, then the epilogue; one thread per element of C. */
export function matmulReduceKernel(): string {
  return /* wgsl */ `${prelude(MATMUL_ARGS)}
${EPILOGUE}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let total = u.M * u.N;
  for (var e = gid.x; e < total; e += groups.x * 256u) {
    var sum = 0.0;
    for (var s = 0u; s < u.splits; s++) { sum += io[u.partOff + s * total + e]; }
    finish(e / u.N, e % u.N, sum);
  }
}
`;
}

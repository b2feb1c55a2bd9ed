// Global-norm clipping and Adam (AdamW with decoupled weight decay) over the one flat parameter vector, in two
// dispatches (the C engine's adam.c and engine.c; train/optimizer.ts is the reference):
//   sumSquares  each workgroup squares its chunks of the gradient (the host's chunk table: start, count, decay)
//   adam        each workgroup adds all chunks' squares up in the same fixed order, so every one derives the same
//               norm and clipping factor, then updates its chunks:
//               m ← β1·m + (1−β1)·g   v ← β2·v + (1−β2)·g²   p ← p − lr·(m/c1)/(√(v/c2) + ε) − lr·wd·p
// Workgroup 0 also adds up the loss kernel's partials and writes the step's STATS_SLOT statistics [loss, correct,
// count, norm, the four auxiliary outputs' own losses] into its slot of the statistics ring. With update = 0 only that happens (the gradient alone, for tests).
import { prelude, type KernelArgs } from './common.ts';
import { LOSS_PART } from './loss.ts';

/** Elements per chunk of the optimizer's table (a chunk never crosses a tensor: its decay is one flag). */
export const ADAM_CHUNK = 4096;

/** Floats of one step's statistics. */
export const STATS_SLOT = 8;

export const SUM_SQUARES_ARGS: KernelArgs = { names: ['chunks', 'chunksOff', 'gOff', 'sqOff'] };
const ADAM_FLOATS = ['lr', 'beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'correction1', 'correction2', 'epsilon', 'decayLr', 'clipNorm', 'auxWeight0', 'auxWeight1', 'auxWeight2', 'auxWeight3', 'denominator', 'unscale'];
export const ADAM_ARGS: KernelArgs = {
  names: ['chunks', 'chunksOff', 'pOff', 'mOff', 'vOff', 'gOff', 'sqOff', 'lossParts', 'lossOff', 'statsOff', 'update', ...ADAM_FLOATS],
  floats: ADAM_FLOATS,
};

const TREE = /* wgsl */ `
var<workgroup> partial: array<f32, 256>;

fn groupSum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half >>= 1u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
`;

export function sumSquaresKernel(): string {
  return /* wgsl */ `${prelude(SUM_SQUARES_ARGS)}
${TREE}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  for (var c = wg.x; c < u.chunks; c += groups.x) {
    let start = u32(ints[u.chunksOff + c * 3u]);
    let count = u32(ints[u.chunksOff + c * 3u + 1u]);
    var s = 0.0;
    for (var k = lid; k < count; k += 256u) { let g = state[u.gOff + start + k]; s += g * g; }
    let total = groupSum(lid, s);
    if (lid == 0u) { io[u.sqOff + c] = total; }
  }
}
`;
}

export function adamKernel(): string {
  return /* wgsl */ `${prelude(ADAM_ARGS)}
${TREE}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var c = lid; c < u.chunks; c += 256u) { s += io[u.sqOff + c]; }
  // The gradient holds the loss scale's multiple (1 but with f16 activations): unscale is its inverse.
  let norm = sqrt(groupSum(lid, s)) * u.unscale;
  // As train/optimizer.ts: scale = maxNorm / (norm + 1e-6) when the norm is above maxNorm.
  var scale = 1.0;
  if (u.clipNorm > 0.0 && norm > u.clipNorm) { scale = u.clipNorm / (norm + 1e-6); }
  scale *= u.unscale;
  if (wg.x == 0u) {
    var sums = vec4f(0.0);
    var auxSums = vec4f(0.0);
    for (var k = 0u; k < u.lossParts; k++) {
      let at = u.lossOff + k * ${LOSS_PART}u;
      sums += vec4f(io[at], io[at + 1u], io[at + 2u], io[at + 3u]);
      auxSums += vec4f(io[at + 4u], io[at + 5u], io[at + 6u], io[at + 7u]);
    }
    if (lid == 0u) {
      let aux = auxSums / u.denominator;
      state[u.statsOff] = sums.x / u.denominator + dot(vec4f(u.auxWeight0, u.auxWeight1, u.auxWeight2, u.auxWeight3), aux);
      state[u.statsOff + 1u] = sums.y;
      state[u.statsOff + 2u] = sums.z;
      state[u.statsOff + 3u] = norm;
      for (var k = 0u; k < 4u; k++) { state[u.statsOff + 4u + k] = aux[k]; }
    }
  }
  if (u.update == 0u) { return; }
  for (var c = wg.x; c < u.chunks; c += groups.x) {
    let start = u32(ints[u.chunksOff + c * 3u]);
    let count = u32(ints[u.chunksOff + c * 3u + 1u]);
    let decayLr = select(0.0, u.decayLr, ints[u.chunksOff + c * 3u + 2u] != 0);
    for (var k = lid; k < count; k += 256u) {
      let at = start + k;
      let g = state[u.gOff + at] * scale;
      let m = state[u.mOff + at] * u.beta1 + g * u.oneMinusBeta1;
      let v = state[u.vOff + at] * u.beta2 + g * g * u.oneMinusBeta2;
      state[u.mOff + at] = m;
      state[u.vOff + at] = v;
      let p = state[u.pOff + at];
      state[u.pOff + at] = p - (m / u.correction1) / (sqrt(v / u.correction2) + u.epsilon) * u.lr - p * decayLr;
    }
  }
}
`;
}

// The training objective on the head outputs, forward and backward at once (the C engine's loss.c; train/loss.ts
// is the reference): masked binary cross-entropy on the main logit and, with the auxiliary heads, auxWeight × the
// mean of the four auxiliary ones, with per-position loss weights.
//   bce(x, y) = max(x, 0) − x·y + log(1 + e^−|x|)        ∂/∂x = σ(x) − y
// A thread per position; each workgroup writes its partial sums [main, aux, correct, count] for the optimizer
// kernel to add up in a fixed order.
import { prelude, type KernelArgs } from './common.ts';

export const LOSS_ARGS: KernelArgs = {
  names: ['N', 'O', 'outOff', 'doutOff', 'labelsOff', 'auxOff', 'weightsOff', 'scoredOff', 'partOff', 'useAux', 'mainScale', 'auxScale'],
  floats: ['mainScale', 'auxScale'],
};

/** Positions one workgroup of the loss kernel handles: the optimizer kernel needs the count of partials. */
export const LOSS_GROUP = 256;

export function lossKernel(): string {
  return /* wgsl */ `${prelude(LOSS_ARGS)}
var<workgroup> sums: array<vec4f, ${LOSS_GROUP}>;

fn bce(x: f32, y: f32) -> f32 { return max(x, 0.0) - x * y + log(1.0 + exp(-abs(x))); }

@compute @workgroup_size(${LOSS_GROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wg.x * ${LOSS_GROUP}u + lid;
  var part = vec4f(0.0);
  if (r < u.N) {
    let x = io[u.outOff + r * u.O];
    let y = io[u.labelsOff + r];
    let w = io[u.weightsOff + r];
    let scored = io[u.scoredOff + r];
    for (var k = 0u; k < u.O; k++) { setAct(u.doutOff + r * u.O + k, 0.0); }
    if (scored != 0.0) {
      part.w = scored;
      if (select(0.0, 1.0, x >= 0.0) == y) { part.z = scored; }
    }
    if (w != 0.0) {
      part.x = w * bce(x, y);
      setAct(u.doutOff + r * u.O, w * (sigmoid(x) - y) * u.mainScale);
      if (u.useAux != 0u) {
        for (var k = 0u; k < 4u; k++) {
          let xa = io[u.outOff + r * u.O + 1u + k];
          let ya = io[u.auxOff + r * 4u + k];
          part.y += w * bce(xa, ya);
          setAct(u.doutOff + r * u.O + 1u + k, w * (sigmoid(xa) - ya) * u.auxScale);
        }
      }
    }
  }
  sums[lid] = part;
  workgroupBarrier();
  for (var half = ${LOSS_GROUP / 2}u; half > 0u; half >>= 1u) {
    if (lid < half) { sums[lid] += sums[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let at = u.partOff + wg.x * 4u;
    io[at] = sums[0].x;
    io[at + 1u] = sums[0].y;
    io[at + 2u] = sums[0].z;
    io[at + 3u] = sums[0].w;
  }
}
`;
}

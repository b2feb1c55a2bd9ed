// The training objective on the head outputs, forward and backward at once (the C engine's loss.c; train/loss.ts
// is the reference): masked binary cross-entropy on the main logit and, with the auxiliary heads, each auxiliary
// one at its own weight (auxScale_k: its weight over the denominator), with per-position loss weights.
//   bce(x, y) = max(x, 0) − x·y + log(1 + e^−|x|)        ∂/∂x = σ(x) − y
// A thread per position; each workgroup writes its LOSS_PART partial sums [main, correct, count, 0, aux 0..3] for
// the optimizer kernel to add up in a fixed order.
import { prelude, type KernelArgs } from './common.ts';

export const LOSS_ARGS: KernelArgs = {
  names: ['N', 'O', 'outOff', 'doutOff', 'labelsOff', 'auxOff', 'weightsOff', 'scoredOff', 'partOff', 'mainScale', 'auxScale0', 'auxScale1', 'auxScale2', 'auxScale3'],
  floats: ['mainScale', 'auxScale0', 'auxScale1', 'auxScale2', 'auxScale3'],
};

/** Positions one workgroup of the loss kernel handles: the optimizer kernel needs the count of partials. */
export const LOSS_GROUP = 256;

/** Floats of one workgroup's partial sums. */
export const LOSS_PART = 8;

export function lossKernel(): string {
  return /* wgsl */ `${prelude(LOSS_ARGS)}
var<workgroup> sums: array<vec4f, ${LOSS_GROUP}>;
var<workgroup> auxSums: array<vec4f, ${LOSS_GROUP}>;

fn bce(x: f32, y: f32) -> f32 { return max(x, 0.0) - x * y + log(1.0 + exp(-abs(x))); }

@compute @workgroup_size(${LOSS_GROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wg.x * ${LOSS_GROUP}u + lid;
  var part = vec4f(0.0);
  var auxPart = vec4f(0.0);
  if (r < u.N) {
    let x = io[u.outOff + r * u.O];
    let y = io[u.labelsOff + r];
    let w = io[u.weightsOff + r];
    let scored = io[u.scoredOff + r];
    for (var k = 0u; k < u.O; k++) { setAct(u.doutOff + r * u.O + k, 0.0); }
    if (scored != 0.0) {
      part.z = scored;
      if (select(0.0, 1.0, x >= 0.0) == y) { part.y = scored; }
    }
    if (w != 0.0) {
      part.x = w * bce(x, y);
      setAct(u.doutOff + r * u.O, w * (sigmoid(x) - y) * u.mainScale);
      if (u.O > 1u) {
        let scales = vec4f(u.auxScale0, u.auxScale1, u.auxScale2, u.auxScale3);
        for (var k = 0u; k < 4u; k++) {
          let xa = io[u.outOff + r * u.O + 1u + k];
          let ya = io[u.auxOff + r * 4u + k];
          auxPart[k] = w * bce(xa, ya);
          setAct(u.doutOff + r * u.O + 1u + k, w * (sigmoid(xa) - ya) * scales[k]);
        }
      }
    }
  }
  sums[lid] = part;
  auxSums[lid] = auxPart;
  workgroupBarrier();
  for (var half = ${LOSS_GROUP / 2}u; half > 0u; half >>= 1u) {
    if (lid < half) {
      sums[lid] += sums[lid + half];
      auxSums[lid] += auxSums[lid + half];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let at = u.partOff + wg.x * ${LOSS_PART}u;
    for (var k = 0u; k < 4u; k++) {
      io[at + k] = sums[0][k];
      io[at + 4u + k] = auxSums[0][k];
    }
  }
}
`;
}

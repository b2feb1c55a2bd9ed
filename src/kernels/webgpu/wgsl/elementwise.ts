// The small kernels between the matrix products: the track-embedding gather and its gradient's scatter, dropout
// of a whole tensor, and the positional table's gradient. One thread per output element, looping past the grid.
import { prelude, type KernelArgs } from './common.ts';

export const GATHER_ARGS: KernelArgs = { names: ['N', 'E', 'buckets', 'keysOff', 'tableOff', 'outOff'] };
export const DROPOUT_ARGS: KernelArgs = { names: ['n', 'inOff', 'outOff', 'key', 'threshold', 'scale'], floats: ['scale'] };
export const POSITIONS_ARGS: KernelArgs = { names: ['B', 'T', 'D', 'dhOff', 'gradOff'] };
export const SCATTER_ARGS: KernelArgs = { names: ['E', 'segments', 'startOff', 'positionsOff', 'bucketsOff', 'dEmbOff', 'gradOff'] };

const LOOP = /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let stride = groups.x * 256u;`;

/** out [N, E]: row key mod buckets of the table (state), zeros where the key is −1 (no track). */
export function gatherKernel(): string {
  return /* wgsl */ `${prelude(GATHER_ARGS)}
${LOOP}
  for (var e = gid.x; e < u.N * u.E; e += stride) {
    let key = ints[u.keysOff + e / u.E];
    var v = 0.0;
    if (key >= 0) { v = state[u.tableOff + u32(key % i32(u.buckets)) * u.E + e % u.E]; }
    setAct(u.outOff + e, v);
  }
}
`;
}

/** out[k] = in[k] · the site's mask of element k, for k < n (in and out in act). */
export function dropoutKernel(): string {
  return /* wgsl */ `${prelude(DROPOUT_ARGS)}
${LOOP}
  for (var e = gid.x; e < u.n; e += stride) {
    setAct(u.outOff + e, getAct(u.inOff + e) * dropoutFactor(u.key, e, u.threshold, u.scale));
  }
}
`;
}

/** The positional table's gradient: row t = Σ over sequences of the gradient at position t (B·T rows of D). */
export function positionsKernel(): string {
  return /* wgsl */ `${prelude(POSITIONS_ARGS)}
${LOOP}
  for (var e = gid.x; e < u.T * u.D; e += stride) {
    let t = e / u.D;
    let j = e % u.D;
    var s = 0.0;
    for (var b = 0u; b < u.B; b++) { s += getAct(u.dhOff + (b * u.T + t) * u.D + j); }
    state[u.gradOff + e] = s;
  }
}
`;
}

/**
 * The embedding table's gradient from the batch's rows only: segment s (one bucket) sums the dEmb rows of its
 * positions, in position order (the host sorts them), into its table row. Rows of other buckets keep the zeros
 * the gradient starts the step with.
 */
export function scatterKernel(): string {
  return /* wgsl */ `${prelude(SCATTER_ARGS)}
${LOOP}
  for (var e = gid.x; e < u.segments * u.E; e += stride) {
    let s = e / u.E;
    let c = e % u.E;
    var sum = 0.0;
    for (var k = ints[u.startOff + s]; k < ints[u.startOff + s + 1u]; k++) {
      sum += getAct(u.dEmbOff + u32(ints[u.positionsOff + u32(k)]) * u.E + c);
    }
    state[u.gradOff + u32(ints[u.bucketsOff + s]) * u.E + c] = sum;
  }
}
`;
}

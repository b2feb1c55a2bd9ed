// The GRU cell's recurrence kernels (the C engine's gru.c, and kernels/gruSequence.ts, the tf-ops reference), on
// recurrence.ts's skeleton. PyTorch's GRU, gate columns (r, z, n); the recurrent sums are hg = h_{t−1}·Wh + bh:
//   r,z = σ(xproj_rz + hg_rz)   n = tanh(xproj_n + r⊙hg_n)   h_t = (1−z)⊙n + z⊙h_{t−1}      xproj = x·Wx + bx
// Backward, with dh_t = dy_t + dhg_{t+1}·Whᵀ + the carry dh_{t+1}⊙z_{t+1}:
//   dn = dh⊙(1−z)⊙(1−n²)   dz = dh⊙(h_{t−1}−n)⊙z(1−z)   dr = dn⊙hg_n⊙r(1−r)
//   at x's side [dr, dz, dn], at hg's [dr, dz, dn⊙r]
// A row of the gate array is 6H wide: x's side (x·Wx + bx on entry to the forward kernel, the activated gates after
// it, their gradient after the backward kernel), then the gradient at hg's side, so that the weight gradients and
// [dbx | dbh] (bh is stored right after bx) are products over the one array.
import type { KernelArgs } from './common.ts';
import { CELL_GATES, recurrenceBackwardKernel, recurrenceForwardKernel } from './recurrence.ts';

export const GRU_FORWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'bhOff', 'hnOff', 'hsOff', 'hpOff'] };
export const GRU_BACKWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'hnOff', 'hpOff', 'dhOff'] };

const GATES = CELL_GATES.gru;

/** Writes the activated gates over x's side, and hg_n, h and h_{t−1} per row. */
export function gruForwardKernel(H: number, maxRows: number): string {
  const step = /* wgsl */ `
        let gr = u.gOff + row * 2u * GH;
        let rg = sigmoid(getAct(gr + q) + sums[sr + q]);
        let zg = sigmoid(getAct(gr + H + q) + sums[sr + H + q]);
        let hn = sums[sr + 2u * H + q];
        let ng = tanhSafe(getAct(gr + 2u * H + q) + rg * hn);
        let h = (1.0 - zg) * ng + zg * hp[p];
        setAct(gr + q, rg);
        setAct(gr + H + q, zg);
        setAct(gr + 2u * H + q, ng);
        setAct(u.hnOff + row * H + q, hn);
        setAct(u.hpOff + row * H + q, hp[p]);
        setAct(u.hsOff + row * H + q, h);
        hp[p] = h;`;
  return recurrenceForwardKernel({ args: GRU_FORWARD_ARGS, H, gates: GATES, maxRows, step }, 'state[u.bhOff + p % GH]');
}

/** `dhOff`: the gradient at the layer's outputs; `gOff`: the activated gates on entry, both sides' gradients on exit. */
export function gruBackwardKernel(H: number, maxRows: number): string {
  const step = /* wgsl */ `
        let gr = u.gOff + row * 2u * GH;
        let rg = getAct(gr + q);
        let zg = getAct(gr + H + q);
        let ng = getAct(gr + 2u * H + q);
        var dhv = dh[p];
        if (step > 0u) { dhv += carry[p]; }
        let dn = dhv * (1.0 - zg) * (1.0 - ng * ng);
        let dz = dhv * (getAct(u.hpOff + row * H + q) - ng) * zg * (1.0 - zg);
        let dr = dn * getAct(u.hnOff + row * H + q) * rg * (1.0 - rg);
        setAct(gr + q, dr);
        setAct(gr + H + q, dz);
        setAct(gr + 2u * H + q, dn);
        setAct(gr + GH + q, dr);
        setAct(gr + GH + H + q, dz);
        setAct(gr + GH + 2u * H + q, dn * rg);
        dNext[sr + q] = dr;
        dNext[sr + H + q] = dz;
        dNext[sr + 2u * H + q] = dn * rg;
        carry[p] = dhv * zg;`;
  return recurrenceBackwardKernel({ args: GRU_BACKWARD_ARGS, H, gates: GATES, maxRows, step });
}

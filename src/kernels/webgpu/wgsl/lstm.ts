// The LSTM cell's recurrence kernels (the C engine's lstm.c, and kernels/lstmSequence.ts, the tf-ops reference),
// on recurrence.ts's skeleton. The input projection x·Wx + b of every position is one matrix product before the
// forward kernel; the weight gradients are matrix products after the backward kernel. Gate columns (i, f, o, g):
//   i,f,o = σ(s)   g = tanh(s)   c_t = f⊙c_{t−1} + i⊙g   h_t = o⊙tanh(c_t)      s_t = xproj_t + h_{t−1}·Wh
// Backward, with dh_t = dy_t + ds_{t+1}·Whᵀ and the carry f_{t+1}⊙dc_{t+1}:
//   dc_t = dh_t⊙o⊙(1−tanh²c_t) + carry   ds = [dc⊙g⊙i(1−i), dc⊙c_{t−1}⊙f(1−f), dh⊙tanh(c)⊙o(1−o), dc⊙i⊙(1−g²)]
import type { KernelArgs } from './common.ts';
import { CELL_GATES, recurrenceBackwardKernel, recurrenceForwardKernel } from './recurrence.ts';

export const LSTM_FORWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'cOff', 'tcOff', 'hsOff', 'hpOff'] };
export const LSTM_BACKWARD_ARGS: KernelArgs = { names: ['B', 'T', 'rows', 'gOff', 'whOff', 'cOff', 'tcOff', 'dhOff'] };

const GATES = CELL_GATES.lstm;

/** `gOff` holds x·Wx + b on entry and the activated gates on exit; also writes c, tanh c, h and h_{t−1} per row. */
export function lstmForwardKernel(H: number, maxRows: number): string {
  const step = /* wgsl */ `
        let i = sigmoid(sums[sr + q]);
        let f = sigmoid(sums[sr + H + q]);
        let o = sigmoid(sums[sr + 2u * H + q]);
        let g = tanhSafe(sums[sr + 3u * H + q]);
        var c = i * g;
        if (t > 0u) { c += f * getAct(u.cOff + (row - 1u) * H + q); }
        let tc = tanhSafe(c);
        let gr = u.gOff + row * GH;
        setAct(gr + q, i);
        setAct(gr + H + q, f);
        setAct(gr + 2u * H + q, o);
        setAct(gr + 3u * H + q, g);
        setAct(u.cOff + row * H + q, c);
        setAct(u.tcOff + row * H + q, tc);
        setAct(u.hpOff + row * H + q, hp[p]);
        let h = o * tc;
        setAct(u.hsOff + row * H + q, h);
        hp[p] = h;`;
  return recurrenceForwardKernel({ args: LSTM_FORWARD_ARGS, H, gates: GATES, maxRows, step }, 'getAct(u.gOff + (b * u.T + t) * GH + p % GH)');
}

/** `dhOff`: the gradient at the layer's outputs; `gOff`: the activated gates on entry, ds on exit. */
export function lstmBackwardKernel(H: number, maxRows: number): string {
  const step = /* wgsl */ `
        let gr = u.gOff + row * GH;
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
        let dsi = dc * g * i * (1.0 - i);
        let dsf = dc * c0 * f * (1.0 - f);
        let dso = dhv * tc * o * (1.0 - o);
        let dsg = dc * i * (1.0 - g * g);
        setAct(gr + q, dsi);
        setAct(gr + H + q, dsf);
        setAct(gr + 2u * H + q, dso);
        setAct(gr + 3u * H + q, dsg);
        dNext[sr + q] = dsi;
        dNext[sr + H + q] = dsf;
        dNext[sr + 2u * H + q] = dso;
        dNext[sr + 3u * H + q] = dsg;
        carry[p] = dc * f;`;
  return recurrenceBackwardKernel({ args: LSTM_BACKWARD_ARGS, H, gates: GATES, maxRows, step });
}

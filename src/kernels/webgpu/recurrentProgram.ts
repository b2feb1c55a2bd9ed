// The recurrent skip model as dispatches (the C engine's recurrentModel.c): encoder → dropout → layers of the
// model's cell (LSTM or GRU, chosen per layer as the C model does) with dropout between them → heads → loss, and
// back. Per layer forward: a dropout above the first layer, the input projection (a product) and the recurrence
// over all T (one dispatch: wgsl/lstm.ts, gru.ts). Backward: the recurrence (one dispatch), then products: Wh's and
// Wx's gradients (the LSTM's b with Wh's), the GRU's bx and bh (one product: they are stored side by side, as their
// gradients are in the gate array) and the input's gradient — 4 dispatches per LSTM layer, 5 per GRU layer, one more
// per product split over K. A training step of gpuEngine.test.ts's two-layer tiny models: 26 dispatches with LSTM
// cells, 28 with GRU cells.
import { ACT, rowMajor, STATE, transposed, type Program, type TensorAt } from './program.ts';
import { CELL_GATES, gateRowWidth } from './wgsl/recurrence.ts';

/** Layer l's weight `part`: `lstm.0.wx`, `gru.1.bh`. */
const weight = (p: Program, l: number, part: string): TensorAt => p.tensor(`${p.shape.cell}.${l}.${part}`);

/** The input layer l reads: the encoder's output, the layer below's outputs, or their dropped-out copy. */
function layerInput(p: Program, l: number): number {
  const { recurrent } = p.at;
  if (l === 0) return p.at.encoded;
  return p.dropping ? recurrent[l].input : recurrent[l - 1].outputs;
}

/** What both recurrence kernels of layer l take: the batch, the workgroup's rows, the gate array, Wh. */
function recurrenceArgs(p: Program, l: number): Record<string, number> {
  return { B: p.at.B, T: p.at.T, rows: p.recurrentRows, gOff: p.at.recurrent[l].gates, whOff: weight(p, l, 'wh').param };
}

const recurrenceGroups = (p: Program) => Math.ceil(p.at.B / p.recurrentRows);

/** Forward to the heads' outputs; the last layer's outputs are the heads' input. */
export function recurrentForward(p: Program): number {
  const { at, shape: s } = p;
  const H = s.hidden;
  const G = CELL_GATES[s.cell] * H;
  p.encoderForward(at.encoded);
  for (let l = 0; l < s.layers; l++) {
    const a = at.recurrent[l];
    if (l > 0 && p.dropping) p.dropout(l, at.N * H, at.recurrent[l - 1].outputs, a.input);
    // x·Wx plus x's bias (the LSTM's b, the GRU's bx) into the gate array.
    const xBias = weight(p, l, s.cell === 'gru' ? 'bx' : 'b').param;
    p.product({ M: at.N, N: G, K: H, a: rowMajor(ACT, layerInput(p, l), H), b: rowMajor(STATE, weight(p, l, 'wx').param, G), c: { buf: ACT, off: a.gates, ld: gateRowWidth(s.cell, H) }, bias: xBias });
    const args = { ...recurrenceArgs(p, l), hsOff: a.outputs, hpOff: a.previous };
    if (s.cell === 'gru') p.run('gruForward', { ...args, bhOff: weight(p, l, 'bh').param, hnOff: a.hn }, recurrenceGroups(p));
    else p.run('lstmForward', { ...args, cOff: a.cells, tcOff: a.tanhCells }, recurrenceGroups(p));
  }
  const last = at.recurrent[s.layers - 1].outputs;
  p.headsForward(last);
  return last;
}

/** The loss, then every gradient: after this the gradient region of state holds the batch's gradient. */
export function recurrentBackward(p: Program): void {
  const { at, shape: s } = p;
  const H = s.hidden;
  const G = CELL_GATES[s.cell] * H;
  const width = gateRowWidth(s.cell, H);
  let dUp = at.gradA; // the gradient at a layer's outputs
  let dDown = at.gradB; // … and at its input
  p.lossAndHeadsBackward(at.recurrent[s.layers - 1].outputs, dUp);
  for (let l = s.layers - 1; l >= 0; l--) {
    const a = at.recurrent[l];
    const name = (part: string) => `${s.cell}.${l}.${part}`;
    const xSide = rowMajor(ACT, a.gates, width); // the gradient at x·Wx + b
    if (s.cell === 'gru') {
      p.run('gruBackward', { ...recurrenceArgs(p, l), hnOff: a.hn, hpOff: a.previous, dhOff: dUp }, recurrenceGroups(p));
      p.weightGradient(name('wh'), H, G, transposed(ACT, a.previous, H), rowMajor(ACT, a.gates + G, width), false);
      p.biasGradient(name('bx'), 2 * G, xSide); // and gru.l.bh after it, from h's side
    } else {
      p.run('lstmBackward', { ...recurrenceArgs(p, l), cOff: a.cells, tcOff: a.tanhCells, dhOff: dUp }, recurrenceGroups(p));
      p.weightGradient(name('wh'), H, G, transposed(ACT, a.previous, H), xSide, true); // and lstm.l.b after it
    }
    p.weightGradient(name('wx'), H, G, transposed(ACT, layerInput(p, l), H), xSide, false);
    // The gradient at the input, through its dropout site: layer l's own (l > 0), or the encoder's (site 0).
    p.product({ M: at.N, N: H, K: G, a: xSide, b: transposed(STATE, weight(p, l, 'wx').param, G), c: { buf: ACT, off: dDown, ld: H }, dropout: l });
    [dUp, dDown] = [dDown, dUp];
  }
  p.encoderBackward(dUp);
}

// The LSTM skip model as dispatches (the C engine's recurrentModel.c): encoder → dropout → LSTM layers with dropout
// between them → heads → loss, and back. Per layer: the input projection (one product), the recurrence (one
// dispatch for all T), and backward the recurrence, then its three weight gradients and its input's gradient.
import { ACT, rowMajor, STATE, transposed, type Program } from './program.ts';

/** The input layer l reads: the encoder's output, the layer below's outputs, or their dropped-out copy. */
function layerInput(p: Program, l: number): number {
  const { lstm } = p.at;
  if (l === 0) return p.at.encoded;
  return p.dropping ? lstm[l].input : lstm[l - 1].outputs;
}

/** Forward to the heads' outputs; the last layer's outputs are the heads' input. */
export function lstmForward(p: Program): number {
  const { at, shape: s } = p;
  const H = s.hidden;
  p.encoderForward(at.encoded);
  for (let l = 0; l < s.layers; l++) {
    const a = at.lstm[l];
    if (l > 0 && p.dropping) p.dropout(l, at.N * H, at.lstm[l - 1].outputs, a.input);
    p.product({ M: at.N, N: 4 * H, K: H, a: rowMajor(ACT, layerInput(p, l), H), b: rowMajor(STATE, p.tensor(`lstm.${l}.wx`).param, 4 * H), c: { buf: ACT, off: a.gates, ld: 4 * H }, bias: p.tensor(`lstm.${l}.b`).param });
    p.run('lstmForward', { B: at.B, T: at.T, rows: p.lstmRows, gOff: a.gates, whOff: p.tensor(`lstm.${l}.wh`).param, cOff: a.cells, tcOff: a.tanhCells, hsOff: a.outputs, hpOff: a.previous }, Math.ceil(at.B / p.lstmRows));
  }
  const last = at.lstm[s.layers - 1].outputs;
  p.headsForward(last);
  return last;
}

/** The loss, then every gradient: after this the gradient region of state holds the batch's gradient. */
export function lstmBackward(p: Program): void {
  const { at, shape: s } = p;
  const H = s.hidden;
  let dUp = at.gradA; // the gradient at a layer's outputs
  let dDown = at.gradB; // … and at its input
  p.lossAndHeadsBackward(at.lstm[s.layers - 1].outputs, dUp);
  for (let l = s.layers - 1; l >= 0; l--) {
    const a = at.lstm[l];
    p.run('lstmBackward', { B: at.B, T: at.T, rows: p.lstmRows, gOff: a.gates, whOff: p.tensor(`lstm.${l}.wh`).param, cOff: a.cells, tcOff: a.tanhCells, dhOff: dUp }, Math.ceil(at.B / p.lstmRows));
    p.weightGradient(`lstm.${l}.wx`, H, 4 * H, transposed(ACT, layerInput(p, l), H), a.gates, false);
    p.weightGradient(`lstm.${l}.wh`, H, 4 * H, transposed(ACT, a.previous, H), a.gates, true); // and lstm.l.b after it
    // The gradient at the input, through its dropout site: layer l's own (l > 0), or the encoder's (site 0).
    p.product({ M: at.N, N: H, K: 4 * H, a: rowMajor(ACT, a.gates, 4 * H), b: transposed(STATE, p.tensor(`lstm.${l}.wx`).param, 4 * H), c: { buf: ACT, off: dDown, ld: H }, dropout: l });
    [dUp, dDown] = [dDown, dUp];
  }
  p.encoderBackward(dUp);
}

// The GRU cell (kernels/gruSequence.ts's fused recurrence): PyTorch's GRU, gate columns (r, z, n),
//   r,z = σ(x·Wx + bx + h·Wh + bh)   n = tanh(x·Wx_n + bx_n + r⊙(h·Wh_n + bh_n))   h' = (1−z)⊙n + z⊙h.
// Three gates against the LSTM's four: a quarter fewer weights and products per step, no cell state.
import * as tf from '@tensorflow/tfjs';
import { gruSequence, switchedGruSequence, type GruRecurrent } from '../kernels/gruSequence.ts';
import type { Cell, CellWeights } from './cell.ts';
import type { ParamStore } from './params.ts';

/** One GRU layer's weights `<name>.wx`, `.wh`, `.bx`, `.bh` (created in that order), as Keras starts a GRU. */
function gruWeights(params: ParamStore, name: string, H: number): CellWeights {
  return {
    wx: params.create(`${name}.wx`, [H, 3 * H], { kind: 'glorot' }) as tf.Variable<tf.Rank.R2>,
    wh: params.create(`${name}.wh`, [H, 3 * H], { kind: 'orthogonal' }) as tf.Variable<tf.Rank.R2>,
    b: params.create(`${name}.bx`, [3 * H], { kind: 'zeros' }) as tf.Variable<tf.Rank.R1>,
    bh: params.create(`${name}.bh`, [3 * H], { kind: 'zeros' }) as tf.Variable<tf.Rank.R1>,
  };
}

function recurrent(w: CellWeights): GruRecurrent {
  if (!w.bh) throw new Error('a GRU layer has a recurrent bias (gruWeights makes it)');
  return { wh: w.wh, bh: w.bh };
}

export const gruCell: Cell = {
  name: 'gru',
  parts: ['wx', 'wh', 'bx', 'bh'],
  weights: gruWeights,
  sequence: (xp, w) => gruSequence(xp, recurrent(w)),
  switched: (xp, one, two, first) => switchedGruSequence(xp, recurrent(one), recurrent(two), first),
};

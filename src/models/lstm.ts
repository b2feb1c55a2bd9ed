// The LSTM cell (kernels/lstmSequence.ts's fused recurrence), gate columns (i, f, o, g).
import * as tf from '@tensorflow/tfjs';
import { lstmSequence, switchedLstmSequence } from '../kernels/lstmSequence.ts';
import type { Cell, CellWeights } from './cell.ts';
import type { ParamStore } from './params.ts';

/** One LSTM layer's weights `<name>.wx`, `.wh`, `.b` (created in that order). */
function lstmWeights(params: ParamStore, name: string, H: number): CellWeights {
  const forgetBias = new Float32Array(4 * H).fill(1, H, 2 * H); // start with the forget gate open
  return {
    wx: params.create(`${name}.wx`, [H, 4 * H], { kind: 'glorot' }) as tf.Variable<tf.Rank.R2>,
    wh: params.create(`${name}.wh`, [H, 4 * H], { kind: 'orthogonal' }) as tf.Variable<tf.Rank.R2>,
    b: params.create(`${name}.b`, [4 * H], { kind: 'values', values: forgetBias }) as tf.Variable<tf.Rank.R1>,
    bh: null,
  };
}

export const lstmCell: Cell = {
  name: 'lstm',
  parts: ['wx', 'wh', 'b'],
  weights: lstmWeights,
  sequence: (xp, w) => lstmSequence(xp, w.wh),
  switched: (xp, one, two, first) => switchedLstmSequence(xp, one.wh, two.wh, first),
};

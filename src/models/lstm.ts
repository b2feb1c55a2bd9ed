// The LSTM body: `layers` stacked LSTMs of width `hidden`, dropout between layers (the input projection's dropout
// is applied by the model). Strictly causal by construction: h_t depends on inputs ≤ t only.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { dense } from './dense.ts';
import type { DropoutFn } from './dropout.ts';
import { lstmSequence } from './lstmSequence.ts';
import type { ParamStore } from './params.ts';

export type Body = (x: tf.Tensor3D, dropout: DropoutFn, present: tf.Tensor2D | null) => tf.Tensor3D;

export function buildLstm(params: ParamStore, cfg: ModelConfig): Body {
  const H = cfg.hidden;
  const forgetBias = new Float32Array(4 * H);
  forgetBias.fill(1, H, 2 * H); // gate order (i, f, o, g): start with the forget gate open
  const layers = Array.from({ length: cfg.layers }, (_, l) => {
    return {
      wx: params.create(`lstm.${l}.wx`, [H, 4 * H], { kind: 'glorot' }) as tf.Variable<tf.Rank.R2>,
      wh: params.create(`lstm.${l}.wh`, [H, 4 * H], { kind: 'orthogonal' }) as tf.Variable<tf.Rank.R2>,
      b: params.create(`lstm.${l}.b`, [4 * H], { kind: 'values', values: forgetBias }) as tf.Variable<tf.Rank.R1>,
    };
  });
  return (x, dropout) => {
    let h = x;
    layers.forEach((layer, l) => {
      if (l > 0) h = dropout(h, `lstm.${l}.input`);
      h = lstmSequence(dense(h, layer.wx, layer.b), layer.wh);
    });
    return h;
  };
}

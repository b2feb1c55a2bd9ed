// The LSTM body: `layers` stacked LSTMs of width `hidden`, dropout between layers (the input projection's dropout
// is applied by the model). Strictly causal by construction: h_t depends on inputs ≤ t only.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { dense } from '../kernels/dense.ts';
import { INPUT_DROPOUT_SITE, type DropoutFn } from './dropout.ts';
import { lstmSequence } from '../kernels/lstmSequence.ts';
import type { ParamStore } from './params.ts';

export type Body = (x: tf.Tensor3D, dropout: DropoutFn, present: tf.Tensor2D | null) => tf.Tensor3D;

/** An LSTM's dropout sites in order: the encoder's output, then the input of each layer after the first. */
export function lstmDropoutSites(layers: number, prefix = 'lstm'): string[] {
  return [INPUT_DROPOUT_SITE, ...Array.from({ length: layers - 1 }, (_, l) => `${prefix}.${l + 1}.input`)];
}

export interface LstmWeights {
  wx: tf.Variable<tf.Rank.R2>;
  wh: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
}

/** One LSTM layer's weights `<name>.wx`, `.wh`, `.b` (created in that order); gate columns (i, f, o, g). */
export function lstmWeights(params: ParamStore, name: string, H: number): LstmWeights {
  const forgetBias = new Float32Array(4 * H).fill(1, H, 2 * H); // start with the forget gate open
  return {
    wx: params.create(`${name}.wx`, [H, 4 * H], { kind: 'glorot' }) as tf.Variable<tf.Rank.R2>,
    wh: params.create(`${name}.wh`, [H, 4 * H], { kind: 'orthogonal' }) as tf.Variable<tf.Rank.R2>,
    b: params.create(`${name}.b`, [4 * H], { kind: 'values', values: forgetBias }) as tf.Variable<tf.Rank.R1>,
  };
}

export function buildLstm(params: ParamStore, cfg: ModelConfig): Body {
  const layers = Array.from({ length: cfg.layers }, (_, l) => lstmWeights(params, `lstm.${l}`, cfg.hidden));
  const sites = lstmDropoutSites(cfg.layers);
  return (x, dropout) => {
    let h = x;
    layers.forEach((layer, l) => {
      if (l > 0) h = dropout(h, sites[l]);
      h = lstmSequence(dense(h, layer.wx, layer.b), layer.wh);
    });
    return h;
  };
}

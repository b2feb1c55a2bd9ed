// The recurrent body (model.type lstm): `layers` stacked layers of the config's cell (model.cell: lstm or gru) of
// width `hidden`, dropout between layers (the input projection's dropout is applied by the model). Strictly causal
// by construction: h_t depends on inputs ≤ t only.
import type * as tf from '@tensorflow/tfjs';
import { dense } from '../kernels/dense.ts';
import type { Cell } from './cell.ts';
import { INPUT_DROPOUT_SITE, type DropoutFn } from './dropout.ts';
import { gruCell } from './gru.ts';
import { lstmCell } from './lstm.ts';
import type { ModelConfig } from './modelConfig.ts';
import type { ParamStore } from './params.ts';

export type Body = (x: tf.Tensor3D, dropout: DropoutFn, present: tf.Tensor2D | null) => tf.Tensor3D;

/** The config's cell; configs and checkpoints from before model.cell have none, and were LSTMs. */
export function cellOf(cfg: Pick<ModelConfig, 'cell'>): Cell {
  return cfg.cell === 'gru' ? gruCell : lstmCell;
}

/** Layer l's weights are `<cell>.<l>.<part>`: `lstm.0.wx`, `gru.1.bh`. */
const layerName = (cell: Cell, l: number) => `${cell.name}.${l}`;

/** Dropout sites of stacked recurrent layers, in order: the encoder's output, then the input of each layer after the first. */
export function layerDropoutSites(layers: number, prefix: string): string[] {
  return [INPUT_DROPOUT_SITE, ...Array.from({ length: layers - 1 }, (_, l) => `${prefix}.${l + 1}.input`)];
}

/** The recurrent body's dropout sites (`lstm.1.input`, `gru.1.input`, …). */
export function recurrentDropoutSites(cfg: ModelConfig): string[] {
  return layerDropoutSites(cfg.layers, cellOf(cfg).name);
}

/** The recurrent body's weight names in creation order: `lstm.0.wx`, `lstm.0.wh`, …, or `gru.0.wx`, …, `gru.0.bh`, …. */
export function recurrentWeightNames(cfg: ModelConfig): string[] {
  const cell = cellOf(cfg);
  return Array.from({ length: cfg.layers }, (_, l) => cell.parts.map((part) => `${layerName(cell, l)}.${part}`)).flat();
}

export function buildRecurrent(params: ParamStore, cfg: ModelConfig): Body {
  const cell = cellOf(cfg);
  const layers = Array.from({ length: cfg.layers }, (_, l) => cell.weights(params, layerName(cell, l), cfg.hidden));
  const sites = recurrentDropoutSites(cfg);
  return (x, dropout) => {
    let h = x;
    layers.forEach((layer, l) => {
      if (l > 0) h = dropout(h, sites[l]);
      h = cell.sequence(dense(h, layer.wx, layer.b), layer);
    });
    return h;
  };
}

// The cell of the recurrent models (model.cell): how one layer's weights are made and how the layer runs over a
// sequence. lstm.ts and gru.ts are the two; recurrent.ts picks one for a config.
import type * as tf from '@tensorflow/tfjs';
import type { CellName } from './modelConfig.ts';
import type { ParamStore } from './params.ts';

/** One layer's weights; gate columns side by side (G gates: [in, G·H], [H, G·H], [G·H]). */
export interface CellWeights {
  wx: tf.Variable<tf.Rank.R2>;
  wh: tf.Variable<tf.Rank.R2>;
  /** The input side's bias, in the input projection x·wx + b: the LSTM's `.b`, the GRU's `.bx`. */
  b: tf.Variable<tf.Rank.R1>;
  /** The recurrent side's bias: the GRU's `.bh` (r gates h·Wh_n + bh_n, so it cannot join b); the LSTM has none. */
  bh: tf.Variable<tf.Rank.R1> | null;
}

export interface Cell {
  /** model.cell, and the recurrent model's weight-name prefix (`lstm.0.wx`, `gru.0.wx`). */
  name: CellName;
  /** A layer's weight names after its prefix, in creation order (the engines read them in it). */
  parts: readonly string[];
  /** One layer's weights `<name>.<part>`, of width H. */
  weights(params: ParamStore, name: string, H: number): CellWeights;
  /** The layer over a whole sequence from zero state, given its input projection xp = x·wx + b [B, T, G·H]. */
  sequence(xp: tf.Tensor3D, w: CellWeights): tf.Tensor3D;
  /** The layer with `one`'s recurrent weights where first [B, T, 1] is 1 and `two`'s where 0 (xp switched alike). */
  switched(xp: tf.Tensor3D, one: CellWeights, two: CellWeights, first: tf.Tensor3D): tf.Tensor3D;
}

// The encoder–decoder of the WSDM Cup 2019's best entries, for the challenge task. The encoder reads the known
// first half (features and outcomes); the decoder reads the second half — its tracks and positions, the only
// inputs those positions have — starting from the encoder's final state. Each layer is one recurrence whose weights
// switch at the session's first hidden position (so the hand-over happens where each session's halves meet), then
// optionally attention from each decoder state over the encoder's outputs (`decoderAttention`), and a backward layer
// over the second half's positions, last to first (`decoderBidirectional`), so that the prediction at t also reads
// the tracks of t+1…L. Those tracks are given by the challenge (log_input lists them);
// their outcomes never are, and no input of a hidden position carries one (data/batch/features.ts).
// Every recurrent layer is of the config's cell (model.cell). In TensorFlow.js on every backend (the recurrences are
// the cells' fused ops).
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { dense } from '../kernels/dense.ts';
import { gatherRows } from '../kernels/gatherRows.ts';
import type { Cell, CellWeights } from './cell.ts';
import type { DropoutFn } from './dropout.ts';
import type { ParamStore } from './params.ts';
import { cellOf, layerDropoutSites } from './recurrent.ts';

export type EncoderDecoderBody = (x: tf.Tensor3D, dropout: DropoutFn, present: tf.Tensor2D, known: tf.Tensor2D) => tf.Tensor3D;

/** Width of the body's output: the forward state, the attended encoder output, the backward state. */
export function encoderDecoderWidth(cfg: ModelConfig): number {
  return cfg.hidden * (1 + (cfg.decoderAttention ? 1 : 0) + (cfg.decoderBidirectional ? 1 : 0));
}

export function encoderDecoderDropoutSites(layers: number): string[] {
  return layerDropoutSites(layers, 'encdec');
}

/**
 * One recurrent layer whose weights are the encoder's at known positions and the decoder's elsewhere, state carried
 * through: the input projection x_t·Wx + b and the recurrent weights are known_t ? the encoder's : the decoder's.
 */
function switchedLayer(cell: Cell, x: tf.Tensor3D, known: tf.Tensor3D, enc: CellWeights, dec: CellWeights): tf.Tensor3D {
  const xp = tf.add(tf.mul(dense(x, enc.wx, enc.b), known), tf.mul(dense(x, dec.wx, dec.b), tf.sub(1, known))) as tf.Tensor3D;
  return cell.switched(xp, enc, dec, known);
}

/**
 * Flat row indices that put each session's second half in reverse order at the front ([B, T]; B·T = a zero row),
 * and those that bring the results back to their positions. Session b's second half is the positions
 * kept_b ≤ t < end_b (kept: one past the last known position; end: one past the last present one).
 */
function secondHalfReversal(present: tf.Tensor2D, known: tf.Tensor2D): { reverse: tf.Tensor2D; restore: tf.Tensor2D } {
  const [B, T] = present.shape;
  const positions = tf.range(1, T + 1, 1, 'float32');
  const end = tf.max(tf.mul(present, positions), 1, true); // [B, 1]
  const kept = tf.max(tf.mul(known, positions), 1, true);
  const t = tf.range(0, T, 1, 'float32').reshape([1, T]);
  const rowBase = tf.mul(tf.range(0, B, 1, 'float32').reshape([B, 1]), T);
  const pad = tf.scalar(B * T);
  // The j-th element of the reversed half is position end − 1 − j, for j < end − kept.
  const reverse = tf.where(tf.less(t, tf.sub(end, kept)), tf.add(rowBase, tf.sub(tf.sub(end, 1), t)), pad);
  // Position t (a hidden one) finds its result at j = end − 1 − t.
  const hidden = tf.logicalAnd(tf.greaterEqual(t, kept), tf.less(t, end));
  const restore = tf.where(hidden, tf.add(rowBase, tf.sub(tf.sub(end, 1), t)), pad);
  return { reverse: tf.cast(reverse, 'int32') as tf.Tensor2D, restore: tf.cast(restore, 'int32') as tf.Tensor2D };
}

/**
 * At each hidden position, the encoder's outputs (h at the known positions) weighted by softmax(q·hₖ/√H) with
 * q = h_t·Wq; zeros at known positions and where a session has no known row.
 */
function attendToEncoder(h: tf.Tensor3D, known: tf.Tensor2D, wq: tf.Tensor2D): tf.Tensor3D {
  const H = h.shape[2];
  const q = dense(h, wq, null);
  const scores = tf.div(tf.matMul(q, h, false, true), Math.sqrt(H)); // [B, T(query), T(key)]
  const keyMask = tf.expandDims(known, 1); // [B, 1, T]
  const weights = tf.softmax(tf.add(scores, tf.mul(tf.sub(1, keyMask), -1e9)));
  const hasKeys = tf.cast(tf.greater(tf.sum(known, 1, true), 0), 'float32'); // [B, 1]
  const queries = tf.expandDims(tf.mul(tf.sub(1, known), hasKeys), 2); // [B, T, 1]: hidden positions of sessions with a known row
  return tf.mul(tf.matMul(weights, h), queries) as tf.Tensor3D;
}

/** Rows of x [B, T, D] at flat indices [B, T] (B·T: zeros). */
function rowsAt(x: tf.Tensor3D, indices: tf.Tensor2D): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const flat = tf.concat([tf.reshape(x, [B * T, D]), tf.zeros([1, D])], 0) as tf.Tensor2D;
  return tf.reshape(gatherRows(flat, tf.reshape(indices, [B * T]) as tf.Tensor1D), [B, T, D]) as tf.Tensor3D;
}

export function buildEncoderDecoder(params: ParamStore, cfg: ModelConfig): EncoderDecoderBody {
  const H = cfg.hidden;
  const cell = cellOf(cfg);
  const layers = Array.from({ length: cfg.layers }, (_, l) => ({ enc: cell.weights(params, `encoder.${l}`, H), dec: cell.weights(params, `decoder.${l}`, H) }));
  const wq = cfg.decoderAttention ? (params.create('decoder.attention.wq', [H, H], { kind: 'glorot' }) as tf.Variable<tf.Rank.R2>) : null;
  const backward = cfg.decoderBidirectional ? cell.weights(params, 'decoder.backward', H) : null;
  const sites = encoderDecoderDropoutSites(cfg.layers);
  return (x, dropout, present, known) => {
    const known3 = tf.expandDims(known, 2) as tf.Tensor3D;
    let h = x;
    layers.forEach((layer, l) => {
      if (l > 0) h = dropout(h, sites[l]);
      h = switchedLayer(cell, h, known3, layer.enc, layer.dec);
    });
    const parts = [h];
    if (wq) parts.push(attendToEncoder(h, known, wq));
    if (backward) {
      // The second half's encoded inputs (x), last position first; zeros at known and padded positions.
      const { reverse, restore } = secondHalfReversal(present, known);
      const reversed = cell.sequence(dense(rowsAt(x, reverse), backward.wx, backward.b), backward);
      parts.push(rowsAt(reversed, restore));
    }
    return parts.length === 1 ? h : (tf.concat(parts, 2) as tf.Tensor3D);
  };
}

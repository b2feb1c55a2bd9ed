// Rows of a matrix by index, with its own gradient (a scatter-add of the rows): tfjs's gather gradient needs
// UnsortedSegmentSum, which the wasm backend does not implement.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp.ts';

/** table[rows[k]] for every k, [rows, width]; repeated rows add their gradients. */
export function gatherRows(table: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  const op = customOp((tbl: tf.Tensor, save: tf.GradSaveFunc) => {
    save([rows]);
    const gradFunc = (dy: tf.Tensor, [idx]: tf.Tensor[]) => tf.scatterND(tf.expandDims(idx, 1), dy, tbl.shape as number[]);
    return { value: tf.gather(tbl, rows), gradFunc };
  });
  return op(table) as tf.Tensor2D;
}

// Output heads: the main skip logit at every position and, as the auxiliary targets ask (auxTargets.ts), the four
// binary auxiliary logits (skip_1, skip_2, skip_3, not_skipped; one matmul serves them and the main logit) and the
// reason-end softmax's logits (a matrix of its own, created last so that every other weight is drawn as before).
import * as tf from '@tensorflow/tfjs';
import { dense } from '../kernels/dense.ts';
import { hasBinaryHeads, hasReasonEndHead, REASON_END_CLASSES, type AuxTargets } from './auxTargets.ts';
import type { ParamStore } from './params.ts';

const BINARY_AUX = 4;

export interface HeadOutputs {
  logits: tf.Tensor2D; // [B, T]
  auxLogits: tf.Tensor3D | null; // [B, T, 4]: skip_1, skip_2, skip_3, not_skipped
  reasonEndLogits: tf.Tensor3D | null; // [B, T, REASON_END_CLASSES]
}

export type Heads = (hidden: tf.Tensor3D) => HeadOutputs;

export function buildHeads(params: ParamStore, targets: AuxTargets, width: number): Heads {
  const outputs = hasBinaryHeads(targets) ? 1 + BINARY_AUX : 1;
  const w = params.create('head.w', [width, outputs], { kind: 'glorot' }) as tf.Tensor2D;
  const b = params.create('head.b', [outputs], { kind: 'zeros' }) as tf.Tensor1D;
  const reasonEnd = hasReasonEndHead(targets)
    ? { w: params.create('head.reasonEnd.w', [width, REASON_END_CLASSES], { kind: 'glorot' }) as tf.Tensor2D, b: params.create('head.reasonEnd.b', [REASON_END_CLASSES], { kind: 'zeros' }) as tf.Tensor1D }
    : null;
  return (hidden) => {
    const [B, T] = hidden.shape;
    const out = dense(hidden, w, b); // [B, T, outputs]
    const reasonEndLogits = reasonEnd && dense(hidden, reasonEnd.w, reasonEnd.b);
    if (outputs === 1) return { logits: tf.reshape(out, [B, T]), auxLogits: null, reasonEndLogits };
    const [main, aux] = tf.split(out, [1, BINARY_AUX], 2);
    return { logits: tf.reshape(main, [B, T]), auxLogits: aux as tf.Tensor3D, reasonEndLogits };
  };
}

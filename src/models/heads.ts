// Output heads: the main skip logit at every position and, when auxWeight > 0, four auxiliary logits
// (skip_1, skip_2, skip_3, not_skipped). One matmul serves both.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { dense } from '../kernels/dense.ts';
import type { ParamStore } from './params.ts';

export const AUX_LABELS = ['skip_1', 'skip_2', 'skip_3', 'not_skipped'] as const;

export type Heads = (hidden: tf.Tensor3D) => { logits: tf.Tensor2D; auxLogits: tf.Tensor3D | null };

export function buildHeads(params: ParamStore, cfg: ModelConfig, width: number): Heads {
  const outputs = cfg.auxWeight > 0 ? 1 + AUX_LABELS.length : 1;
  const w = params.create('head.w', [width, outputs], { kind: 'glorot' });
  const b = params.create('head.b', [outputs], { kind: 'zeros' });
  return (hidden) => {
    const [B, T] = hidden.shape;
    const out = dense(hidden, w as tf.Tensor2D, b as tf.Tensor1D); // [B, T, outputs]
    if (outputs === 1) return { logits: tf.reshape(out, [B, T]), auxLogits: null };
    const [main, aux] = tf.split(out, [1, AUX_LABELS.length], 2);
    return { logits: tf.reshape(main, [B, T]), auxLogits: aux as tf.Tensor3D };
  };
}

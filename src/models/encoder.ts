// The per-position input of both models: a projection of the feature vector (track features, pre-play context,
// outcomes of t−1 — built by the data encoder) plus, optionally, a hashed learned track-id embedding.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { dense } from '../kernels/dense.ts';
import type { ParamStore } from './params.ts';
import { embedTracks } from './trackEmbedding.ts';

export type Encoder = (inputs: tf.Tensor3D, trackIndex: tf.Tensor2D) => tf.Tensor3D;

export function buildEncoder(params: ParamStore, cfg: ModelConfig, inputFeatures: number): Encoder {
  const w = params.create('input.w', [inputFeatures, cfg.hidden], { kind: 'glorot' });
  const b = params.create('input.b', [cfg.hidden], { kind: 'zeros' });
  const track =
    cfg.trackBuckets > 0
      ? {
          table: params.create('track.table', [cfg.trackBuckets, cfg.trackEmbedding], { kind: 'normal', std: 0.05 }),
          w: params.create('track.w', [cfg.trackEmbedding, cfg.hidden], { kind: 'glorot' }),
        }
      : null;
  return (inputs, trackIndex) => {
    const projected = dense(inputs, w as tf.Tensor2D, b as tf.Tensor1D, true);
    if (!track) return projected;
    return tf.add(projected, dense(embedTracks(track.table as tf.Tensor2D, trackIndex), track.w as tf.Tensor2D, null));
  };
}

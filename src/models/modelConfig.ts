// The model's settings: the `model` section of an experiment config.
export type ModelType = 'lstm' | 'transformer';

export interface ModelConfig {
  type: ModelType;
  /** LSTM hidden units, or Transformer d_model. */
  hidden: number;
  layers: number;
  dropout: number;
  /** Transformer attention heads. */
  heads: number;
  /** Transformer feed-forward width. */
  ff: number;
  /** Hashed learned track-id embedding: buckets (0 = off) and width. */
  trackBuckets: number;
  trackEmbedding: number;
  /** Weight of the auxiliary skip_1/skip_3/not_skipped losses (0 = off). */
  auxWeight: number;
}


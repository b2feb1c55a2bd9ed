// The model's settings: the `model` section of an experiment config.
export type ModelType = 'lstm' | 'transformer' | 'encoder-decoder';
/** The recurrent cell of the recurrent models (lstm, encoder-decoder). */
export type CellName = 'lstm' | 'gru';

export interface ModelConfig {
  type: ModelType;
  /** The recurrent models' cell. Configs and checkpoints from before it have none: an LSTM (models/recurrent.ts). */
  cell: CellName;
  /** The recurrent cells' hidden units, or Transformer d_model. */
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
  /**
   * encoder-decoder (challenge task only): a backward recurrent layer over the second half's positions beside the
   * decoder, so the prediction at t also reads the tracks after t (models/encoderDecoder.ts).
   */
  decoderBidirectional: boolean;
  /** encoder-decoder: attention from each decoder state over the encoder's outputs at the known positions. */
  decoderAttention: boolean;
}


// What the two engines (native/: C on the CPU, webgpu/: WGSL on a GPU) take and give: a model's dimensions, where
// its tensors sit in the flat parameter vector, a batch as flat arrays, and one training pass's settings.

/** A batch as the engines read it: row-major [size, seqLen, …]; the last four only for training. */
export interface EngineBatch {
  size: number;
  seqLen: number;
  inputs: Float32Array;
  trackIndex: Int32Array;
  /** 1 where a track exists: the Transformer's key-padding mask (the LSTM does not read it). */
  present?: Float32Array;
  labels?: Float32Array;
  auxLabels?: Float32Array;
  /** The loss weight of each position. */
  weights?: Float32Array;
  /** Positions counted by the accuracy. */
  scored?: Float32Array;
}

/** A model's dimensions, as the engines take them. */
/** How the WebGPU engine stores activations (train.precision); the C engine is f32 throughout. */
export type Precision = 'f32' | 'f16';

export interface EngineShape {
  kind: 'lstm' | 'transformer';
  /** The recurrent model's cell (the webgpu engine has only the LSTM's kernels). */
  cell: 'lstm' | 'gru';
  features: number;
  /** LSTM units, or the Transformer's width. */
  hidden: number;
  layers: number;
  /** 1, or 5 with the auxiliary heads. */
  outputs: number;
  buckets: number;
  embed: number;
  /** The Transformer's heads, feed-forward width and positional-table rows (0 for the LSTM). */
  heads: number;
  ff: number;
  maxLen: number;
}

/**
 * Offsets of the tensors in the flat parameter vector, in the engine's order (native/engine.h: the model's own
 * creation order; −1 for absent track tensors); `decay` per tensor, same order.
 */
export interface EngineLayout {
  total: number;
  /** The tensors' names (src/models), in that order. */
  names: string[];
  offsets: number[];
  decay: boolean[];
}

export interface PassValues {
  /** The loss weight of each binary auxiliary output (skip_1, skip_2, skip_3, not_skipped); unread with 1 output. */
  auxWeights: number[];
  /** The whole batch's loss denominator. */
  denominator: number;
  dropout: { threshold: number; scale: number; seeds: Uint32Array } | null;
}

export interface OptimizerValues {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  clipNorm: number;
  /** This update's step number, from 1. */
  step: number;
}

export interface StepValues {
  loss: number;
  correct: number;
  count: number;
  gradNorm: number;
  /** Each auxiliary column's own loss (unweighted, the masked mean as the main loss): the four binary ones here. */
  auxLosses: number[];
}


// The model interface the trainer, evaluator and predictor use, and the factory for both architectures.
// Parameters are plain named tf.Variables (no tf.layers), so the trainer can run its own Adam, write exact
// checkpoints and resume bit for bit.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import type { Batch } from '../data/format/types.ts';
import { INPUT_DROPOUT_SITE, makeDropout, type DropoutFn } from './dropout.ts';
import { buildEncoder } from './encoder.ts';
import { resolveAuxTargets, type AuxTargets } from './auxTargets.ts';
import { buildHeads, type HeadOutputs } from './heads.ts';
import { buildEncoderDecoder, encoderDecoderWidth } from './encoderDecoder.ts';
import { buildRecurrent, type Body } from './recurrent.ts';
import { ParamStore } from './params.ts';
import { buildTransformer } from './transformer.ts';

export interface ModelInputs {
  inputs: tf.Tensor3D; // [B, T, F] float32
  trackIndex: tf.Tensor2D; // [B, T] int32 track keys (a hash of the id, src/data/format/trackKey.ts), −1 = none
  /** [B, T] float32, 1 where a track exists. Optional: the Transformer uses it to mask padded keys. */
  present?: tf.Tensor2D;
  /** [B, T] float32, 1 where the row's context and outcome are known: the encoder–decoder's hand-over. */
  known?: tf.Tensor2D;
}

export type ModelOutputs = HeadOutputs;

export interface ApplyOptions {
  training: boolean;
  /** Seeds every dropout mask of this call (derive it from the step). Without it, a per-model call counter. */
  dropoutSeed?: number;
  /** Where this batch starts in the step's whole batch (a gradient thread's slice): its part of the masks. */
  dropoutRowOffset?: number;
}

export interface SkipModel {
  readonly config: ModelConfig;
  /** What the heads predict besides the label, and each one's loss weight (the trainer's objective reads them). */
  readonly aux: AuxTargets;
  readonly inputFeatures: number;
  /** Every trainable variable, stable names, stable order. */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** Pure in the variables; call inside tf.tidy or an optimizer's loss function. */
  apply(x: ModelInputs, opts: ApplyOptions): ModelOutputs;
  dispose(): void;
}

/**
 * Builds a model with weights drawn deterministically from `seed` (same seed ⇒ bit-identical weights). `aux`: a
 * config's auxTargetsOf; without it, model.auxWeight's shorthand (a config that names no train.auxTargets).
 */
export function createModel(cfg: ModelConfig, inputFeatures: number, seed: number, aux: AuxTargets = resolveAuxTargets(undefined, cfg.auxWeight)): SkipModel {
  // The config's values were checked where every config is read (config/rules.ts); the input width comes from the data.
  if (!Number.isInteger(inputFeatures) || inputFeatures < 1) throw new Error(`inputFeatures must be a positive integer, got ${inputFeatures}`);
  const params = new ParamStore(seed);
  const encode = buildEncoder(params, cfg, inputFeatures);
  const body = buildBody(params, cfg);
  const heads = buildHeads(params, aux, cfg.type === 'encoder-decoder' ? encoderDecoderWidth(cfg) : cfg.hidden);
  let calls = 0;
  return {
    config: cfg,
    aux,
    inputFeatures,
    weights: params.variables,
    apply(x, opts) {
      const [, , F] = x.inputs.shape;
      if (F !== inputFeatures) throw new Error(`model expects ${inputFeatures} input features per position, the batch has ${F}`);
      const dropout = makeDropout(opts.training, cfg.dropout, opts.dropoutSeed ?? calls++, opts.dropoutRowOffset);
      const embedded = dropout(encode(x.inputs, x.trackIndex), INPUT_DROPOUT_SITE);
      return heads(body(embedded, dropout, x));
    },
    dispose() {
      params.dispose();
    },
  };
}

/** The body between the encoder and the heads: (encoded inputs, dropout, the batch's masks) → hidden states. */
function buildBody(params: ParamStore, cfg: ModelConfig): (x: tf.Tensor3D, dropout: DropoutFn, inputs: ModelInputs) => tf.Tensor3D {
  if (cfg.type === 'encoder-decoder') {
    const body = buildEncoderDecoder(params, cfg);
    return (x, dropout, inputs) => {
      if (!inputs.present || !inputs.known) throw new Error('the encoder-decoder needs the batch\'s present and known masks');
      return body(x, dropout, inputs.present, inputs.known);
    };
  }
  const body: Body = cfg.type === 'lstm' ? buildRecurrent(params, cfg) : buildTransformer(params, cfg);
  return (x, dropout, inputs) => body(x, dropout, inputs.present ?? null);
}

/** Tensors for one batch (the caller disposes them, e.g. with tf.dispose(Object.values(inputs))). */
export function batchToTensors(batch: Batch): ModelInputs {
  const { size: B, seqLen: T, features: F } = batch;
  return {
    inputs: tf.tensor3d(batch.inputs, [B, T, F], 'float32'),
    trackIndex: tf.tensor2d(batch.trackIndex, [B, T], 'int32'),
    present: tf.tensor2d(batch.present, [B, T], 'float32'),
    known: tf.tensor2d(batch.known, [B, T], 'float32'),
  };
}

/** σ(logits) for every position, [B·T] row-major; evaluation mode (no dropout); leaves no tensors behind. */
export async function predictProbabilities(model: SkipModel, batch: Batch): Promise<Float32Array> {
  const x = batchToTensors(batch);
  const probs = tf.tidy(() => tf.sigmoid(model.apply(x, { training: false }).logits));
  tf.dispose(Object.values(x));
  try {
    return Float32Array.from((await probs.data()) as Float32Array);
  } finally {
    probs.dispose();
  }
}

/** The main logit of every position, [B·T] row-major; evaluation mode; leaves no tensors behind. */
export async function modelLogits(model: SkipModel, batch: Batch): Promise<Float32Array> {
  const x = batchToTensors(batch);
  const logits = tf.tidy(() => model.apply(x, { training: false }).logits);
  tf.dispose(Object.values(x));
  try {
    return Float32Array.from((await logits.data()) as Float32Array);
  } finally {
    logits.dispose();
  }
}

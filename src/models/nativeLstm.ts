// The LSTM skip model on the native engine (kernels/native.ts). The model is still the one createModel builds —
// its named weights are the checkpoint's — and this module tells the engine how to read it: the dimensions,
// where each weight sits in the flat vector of all weights (models/params.ts), the dropout sites and seeds.
import type { Batch } from '../data/types.ts';
import { dropoutScale, dropoutThreshold } from '../kernels/dropoutMask.ts';
import { loadNative, NativeLstmEngine, type EngineBatch, type PassValues } from '../kernels/native.ts';
import { siteSeed } from './dropout.ts';
import { lstmDropoutSites } from './lstm.ts';
import type { SkipModel } from './model.ts';
import { flatLayout } from './params.ts';

/** Why `model` cannot run on the native engine, or null when it can. */
export function nativeUnsupported(model: Pick<SkipModel, 'config'>): string | null {
  if (model.config.type !== 'lstm') return `the ${model.config.type} has no native kernels yet`;
  const native = loadNative();
  return 'reason' in native ? native.reason : null;
}

/** The weights in the engine's order (kernels/native.ts, LstmLayout). */
function engineOrder(layers: number): string[] {
  const perLayer = Array.from({ length: layers }, (_, l) => [`lstm.${l}.wx`, `lstm.${l}.wh`, `lstm.${l}.b`]).flat();
  return ['input.w', 'input.b', 'track.table', 'track.w', ...perLayer, 'head.w', 'head.b'];
}

/**
 * An engine for `model` on `threads` threads. `decays(shape)`: whether a weight of that shape takes weight decay
 * (the optimizer's rule). The engine reads the model's weights from a flat vector laid out by flatLayout.
 */
export function createNativeEngine(model: SkipModel, threads: number, decays: (shape: readonly number[]) => boolean = () => false): NativeLstmEngine {
  const why = nativeUnsupported(model);
  if (why) throw new Error(`the native engine cannot run this model: ${why}`);
  const cfg = model.config;
  const flat = flatLayout(model.weights);
  const order = engineOrder(cfg.layers);
  const unknown = [...flat.keys()].filter((name) => !order.includes(name));
  if (unknown.length) throw new Error(`the native engine does not know the weights ${unknown.join(', ')}`);
  const total = [...flat.values()].reduce((n, w) => n + w.size, 0);
  const shape = {
    features: model.inputFeatures,
    hidden: cfg.hidden,
    layers: cfg.layers,
    outputs: flat.get('head.w')!.shape[1],
    buckets: cfg.trackBuckets,
    embed: cfg.trackBuckets > 0 ? cfg.trackEmbedding : 0,
  };
  return new NativeLstmEngine(
    shape,
    { total, offsets: order.map((name) => flat.get(name)?.offset ?? -1), decay: order.map((name) => (flat.has(name) ? decays(flat.get(name)!.shape) : false)) },
    threads,
  );
}

/** A batch as the engine reads it; `weights` (the loss weight of each position) for training. */
export function engineBatch(batch: Batch, weights?: Float32Array): EngineBatch {
  const inference = { size: batch.size, seqLen: batch.seqLen, inputs: batch.inputs, trackIndex: batch.trackIndex };
  if (!weights) return inference;
  return { ...inference, labels: batch.labels, auxLabels: batch.auxLabels, weights, scored: batch.mask };
}

/** The loss and dropout settings of one training pass: the same sites and seeds as the tfjs model's. */
export function trainingPass(model: Pick<SkipModel, 'config'>, dropoutSeed: number, auxWeight: number, denominator: number): PassValues {
  const rate = model.config.dropout;
  const seeds = Uint32Array.from(lstmDropoutSites(model.config.layers), (site) => siteSeed(dropoutSeed, site));
  return { auxWeight, denominator, dropout: rate > 0 ? { threshold: dropoutThreshold(rate), scale: dropoutScale(rate), seeds } : null };
}

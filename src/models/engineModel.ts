// The skip models on the engines (kernels/native.ts: C on the CPU; kernels/webgpu: WGSL on a GPU). The model is
// still the one createModel builds — its named weights are the checkpoint's — and this module tells an engine how
// to read it: the dimensions, where each weight sits in the flat vector of all weights (models/params.ts), the
// dropout sites and their seeds.
import { MAX_SESSION_LENGTH } from '../data/format/columns.ts';
import type { Batch } from '../data/format/types.ts';
import { dropoutScale, dropoutThreshold } from '../kernels/dropoutMask.ts';
import type { EngineBatch, EngineLayout, EngineShape, PassValues, Precision } from '../kernels/engine.ts';
import { loadNative, NativeEngine } from '../kernels/native.ts';
import { openGpu } from '../kernels/webgpu/device.ts';
import { GpuEngine } from '../kernels/webgpu/engine.ts';
import { binaryAuxWeights } from './auxTargets.ts';
import { siteSeed } from './dropout.ts';
import { engineLacks, type EngineName } from './engineSupport.ts';
import type { ModelConfig } from './modelConfig.ts';
import type { SkipModel } from './model.ts';
import { flatLayout, readFlatWeights } from './params.ts';
import { cellOf, recurrentDropoutSites, recurrentWeightNames } from './recurrent.ts';
import { transformerDropoutSites } from './transformer.ts';

/** The weights in the engines' order (native/engine.h): the models' own creation order. */
function engineOrder(cfg: ModelConfig): string[] {
  const layers = (names: (l: number) => string[]) => Array.from({ length: cfg.layers }, (_, l) => names(l)).flat();
  const body =
    cfg.type === 'lstm'
      ? recurrentWeightNames(cfg)
      : [
          'transformer.position',
          ...layers((l) =>
            ['ln1.gamma', 'ln1.beta', 'attn.wqkv', 'attn.bqkv', 'attn.wo', 'attn.bo', 'ln2.gamma', 'ln2.beta', 'ff.w1', 'ff.b1', 'ff.w2', 'ff.b2'].map((n) => `transformer.${l}.${n}`),
          ),
          'transformer.final.gamma',
          'transformer.final.beta',
        ];
  return ['input.w', 'input.b', 'track.table', 'track.w', ...body, 'head.w', 'head.b'];
}

/** The model's dropout sites in the order of the engine's seeds. */
function dropoutSites(cfg: ModelConfig): string[] {
  return cfg.type === 'lstm' ? recurrentDropoutSites(cfg) : transformerDropoutSites(cfg.layers);
}

/** The model's dimensions as `engine` takes them; an error for a model it does not run (engineSupport.ts). */
function engineShape(model: SkipModel, engine: EngineName): EngineShape {
  const cfg = model.config;
  const lacks = engineLacks(engine, cfg, model.aux);
  if (lacks) throw new Error(`the ${engine} engine does not run ${lacks}`);
  const transformer = cfg.type === 'transformer';
  return {
    kind: transformer ? 'transformer' : 'lstm',
    cell: cellOf(cfg).name,
    features: model.inputFeatures,
    hidden: cfg.hidden,
    layers: cfg.layers,
    outputs: model.weights.get('head.w')!.shape[1] ?? 1,
    buckets: cfg.trackBuckets,
    embed: cfg.trackBuckets > 0 ? cfg.trackEmbedding : 0,
    heads: transformer ? cfg.heads : 0,
    ff: transformer ? cfg.ff : 0,
    maxLen: transformer ? MAX_SESSION_LENGTH : 0,
  };
}

/**
 * Where each of the model's weights sits in the flat vector of all weights (flatLayout), in the engines' order.
 * `decays(shape)`: whether a weight of that shape takes weight decay (the optimizer's rule).
 */
export function engineLayout(model: SkipModel, decays: (shape: readonly number[]) => boolean = () => false): EngineLayout {
  const flat = flatLayout(model.weights);
  const order = engineOrder(model.config);
  const unknown = [...flat.keys()].filter((name) => !order.includes(name));
  if (unknown.length) throw new Error(`the engines do not know the weights ${unknown.join(', ')}`);
  const total = [...flat.values()].reduce((n, w) => n + w.size, 0);
  return { total, names: order, offsets: order.map((name) => flat.get(name)?.offset ?? -1), decay: order.map((name) => (flat.has(name) ? decays(flat.get(name)!.shape) : false)) };
}

/** The native engine for `model` on `threads` threads (see engineLayout for `decays`). */
export function createNativeEngine(model: SkipModel, threads: number, decays?: (shape: readonly number[]) => boolean): NativeEngine {
  const native = loadNative();
  if ('reason' in native) throw new Error(`the native engine cannot run: ${native.reason}`);
  return new NativeEngine(engineShape(model, 'native'), engineLayout(model, decays), threads, dropoutSites(model.config).length);
}

/** The WebGPU engine for `model` on the process's GPU (kernels/webgpu/device.ts), holding its current weights. */
export async function createGpuEngine(model: SkipModel, decays?: (shape: readonly number[]) => boolean, precision: Precision = 'f32'): Promise<GpuEngine> {
  const engine = await GpuEngine.create(await openGpu(), engineShape(model, 'webgpu'), engineLayout(model, decays), precision);
  engine.writeState(await readFlatWeights(model.weights));
  return engine;
}

/** A batch as the engines read it; `weights` (the loss weight of each position) for training. */
export function engineBatch(batch: Batch, weights?: Float32Array): EngineBatch {
  const inference = { size: batch.size, seqLen: batch.seqLen, inputs: batch.inputs, trackIndex: batch.trackIndex, present: batch.present };
  if (!weights) return inference;
  return { ...inference, labels: batch.labels, auxLabels: batch.auxLabels, weights, scored: batch.mask };
}

/** The loss and dropout settings of one training pass: the model's loss weights, the tfjs model's dropout sites and seeds. */
export function trainingPass(model: Pick<SkipModel, 'config' | 'aux'>, dropoutSeed: number, denominator: number): PassValues {
  const rate = model.config.dropout;
  const seeds = Uint32Array.from(dropoutSites(model.config), (site) => siteSeed(dropoutSeed, site));
  return { auxWeights: binaryAuxWeights(model.aux), denominator, dropout: rate > 0 ? { threshold: dropoutThreshold(rate), scale: dropoutScale(rate), seeds } : null };
}

// The one typed schema of an experiment config. YAML files in configs/ and dotted command-line overrides
// (--model.hidden 128) are merged into this shape by `load.ts`; `rules.ts` holds one validation rule per key.
import { DATA_DEFAULTS, type DataConfig, type SynthConfig } from '../data/format/dataConfig.ts';
import type { AuxTargetMap } from '../models/auxTargets.ts';
import type { ModelConfig, ModelType } from '../models/modelConfig.ts';
import { BACKEND_CHOICES, BACKEND_PREFERENCE, type Backend, type ConcreteBackend } from '../models/backendNames.ts';

// Each layer owns its section's type; the config assembles them (data → models → config → train → eval).
export type { DataConfig, SynthConfig, ModelConfig, ModelType, Backend, ConcreteBackend };
export { BACKEND_CHOICES, BACKEND_PREFERENCE };

export type Task = 'per-position' | 'challenge';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  seed: number;
  lr: number;
  /** Warm-up as a fraction of the planned steps (0.02 = the first 2 %); transfers across data sizes. */
  warmup: number;
  /** Warm-up in steps; used instead of `warmup` when > 0. */
  warmupSteps: number;
  /** Learning-rate decay after warm-up. */
  decay: 'cosine' | 'linear' | 'none';
  clipNorm: number;
  weightDecay: number;
  /**
   * Challenge task: weight of the loss on the known first half (each known position predicted from the rows before
   * it — extra signal the protocol allows). 0 = train on the hidden half only.
   */
  knownWeight: number;
  /**
   * Challenge task: the share of training sessions shown in the per-position view instead (every row known, each
   * predicted from the rows before it). Without it the model never sees the last track of a session with the rows
   * before it known — the challenge hides it — and the per-position view's last positions are guesswork.
   */
  perPositionShare: number;
  /**
   * The auxiliary losses: outcome column → weight (models/auxTargets.ts). Empty: model.auxWeight's shorthand, w/4 on
   * each binary column; naming any column, it replaces model.auxWeight (validate.ts refuses the two disagreeing).
   */
  auxTargets: AuxTargetMap;
  /** Scalars every N steps. */
  logEvery: number;
  /** Validation every N steps (0 = only at epoch end). */
  validateEvery: number;
  /** Checkpoint every N steps (0 = only at epoch end). */
  checkpointEvery: number;
  /** Also checkpoint when this many minutes of wall clock passed since the last save (0 = off). */
  checkpointMinutes: number;
  /** Weight histograms every N steps (0 = off). */
  histogramEvery: number;
  keepLast: number;
  keepBest: number;
  bestMetric: 'val/loss' | 'val/accuracy' | 'val/mean_average_accuracy' | 'val/first_prediction_accuracy';
  /** Stop after this many steps (0 = run all epochs). */
  maxSteps: number;
  /**
   * Gradient threads (data-parallel, each on a slice of the batch): 'auto' = the cores available, 1 = the trainer's
   * own thread only. wasm and cpu backends only; a run is repeatable for a given count.
   */
  workers: number | 'auto';
  /**
   * How the webgpu backend stores activations: f32, or f16 (half the activation memory and bandwidth; the
   * arithmetic, the weights, Adam's moments and the gradient stay f32). f16 needs a GPU with shader-f16.
   */
  precision: 'f32' | 'f16';
}

export interface Config {
  experiment: string;
  task: Task;
  backend: Backend;
  /** Where run folders go: <checkpoints>/<experiment>/<run-id>/. */
  checkpoints: string;
  data: DataConfig;
  model: ModelConfig;
  train: TrainConfig;
}

export const DEFAULTS: Config = {
  experiment: 'default',
  task: 'per-position',
  backend: 'auto',
  checkpoints: 'checkpoints',
  data: DATA_DEFAULTS,
  model: {
    type: 'lstm',
    cell: 'lstm',
    hidden: 64,
    layers: 1,
    dropout: 0.1,
    heads: 4,
    ff: 256,
    trackBuckets: 0,
    trackEmbedding: 16,
    auxWeight: 0.3,
    decoderBidirectional: false,
    decoderAttention: false,
  },
  train: {
    epochs: 3,
    batchSize: 64,
    seed: 1,
    lr: 0.003,
    warmup: 0.02,
    warmupSteps: 0,
    decay: 'cosine',
    clipNorm: 1,
    weightDecay: 0,
    knownWeight: 0.5,
    perPositionShare: 0.25,
    auxTargets: {},
    logEvery: 20,
    validateEvery: 0,
    checkpointEvery: 500,
    checkpointMinutes: 10,
    histogramEvery: 500,
    keepLast: 3,
    keepBest: 1,
    bestMetric: 'val/mean_average_accuracy',
    maxSteps: 0,
    workers: 'auto',
    precision: 'f32',
  },
};

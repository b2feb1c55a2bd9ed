// The one typed schema of an experiment config. YAML files in configs/ and dotted command-line overrides
// (--model.hidden 128) are merged into this shape by `load.ts`; `rules.ts` holds one validation rule per key.
import type { DateFormat } from '../data/dates.ts';

/** The TensorFlow.js backends, fastest first: the order `backend: auto` tries them in (src/models/backend.ts). */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type ConcreteBackend = (typeof BACKEND_PREFERENCE)[number];
export type Backend = 'auto' | ConcreteBackend;
/** What `backend` (and --backend) accepts. */
export const BACKEND_CHOICES: readonly Backend[] = ['auto', ...BACKEND_PREFERENCE];
export type Task = 'per-position' | 'challenge';
export type ModelType = 'lstm' | 'transformer';

export interface DataConfig {
  /** Session logs: a .tar.gz/.tgz archive, a folder of CSVs, or one .csv/.csv.gz file. */
  logs: string;
  /** Track features: archive, folder or file. */
  tracks: string;
  /** Training days (YYYY-MM-DD). Empty = every day that is neither a validation nor a test day. */
  trainDays: string[];
  /** Validation days: validation during training, bestMetric, every choice of hyperparameters (split=date). */
  valDays: string[];
  /** Test days: what `evaluate` scores by default; no choice may look at them (split=date). */
  testDays: string[];
  /** Deprecated: sets both valDays and testDays (the days that chose the model were also the days reported). */
  heldOutDays: string[];
  /** How validation/test sessions are chosen: by date (valDays/testDays) or by a hash of the session id. */
  split: 'date' | 'session-hash';
  /** Fraction of sessions used for validation when split=session-hash. */
  heldOutFraction: number;
  /** Fraction of sessions kept for the test when split=session-hash (disjoint from the validation share). */
  testFraction: number;
  /** The label predicted. */
  label: 'skip_1' | 'skip_2' | 'skip_3' | 'not_skipped';
  /**
   * Date format of the `date` column: auto detects YYYY-MM-DD, DD-MM-YY (pandas re-saves) and others, and reads each
   * file's slash dates in one order, decided per file from all its dates and the day in its name (a file mixing
   * both orders is an error; one whose dates never tell is read month first, with a note).
   */
  dateFormat: DateFormat;
  /** A log row whose track is not in the track table: stop with an error, or use all-zero features. */
  unknownTracks: 'error' | 'zeros';
  /** A row whose date is outside the dataset's range (e.g. 2032-05-25): stop, drop the row, or keep it. */
  badDates: 'error' | 'skip-row' | 'keep';
  /** Sessions held in the shuffle buffer (bounded memory). */
  shuffleBuffer: number;
  /** Folder for the binary session cache ('' = no cache). */
  cache: string;
  /** Stop reading after this many training sessions per epoch (0 = all). */
  maxSessions: number;
  /** Stop reading after this many validation sessions (0 = all). */
  maxValSessions: number;
  /**
   * Built-in synthetic data: when sessions > 0 and `logs`/`tracks` do not exist yet, `skiptrain synth` output is
   * generated at those paths first (logs = <dir>/training_set.tar.gz, tracks = <dir>/track_features.tar.gz).
   */
  synth: SynthConfig;
}

export interface SynthConfig {
  sessions: number;
  days: number;
  seed: number;
  tracks: number;
  startDate: string;
}

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
  data: {
    logs: '',
    tracks: '',
    trainDays: [],
    valDays: [],
    testDays: [],
    heldOutDays: [],
    split: 'date',
    heldOutFraction: 0.1,
    testFraction: 0.1,
    label: 'skip_2',
    dateFormat: 'auto',
    unknownTracks: 'error',
    badDates: 'skip-row',
    shuffleBuffer: 4096,
    cache: '',
    maxSessions: 0,
    maxValSessions: 0,
    synth: { sessions: 0, days: 4, seed: 7, tracks: 5000, startDate: '2018-07-15' },
  },
  model: {
    type: 'lstm',
    hidden: 64,
    layers: 1,
    dropout: 0.1,
    heads: 4,
    ff: 256,
    trackBuckets: 0,
    trackEmbedding: 16,
    auxWeight: 0.3,
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
  },
};

// The data layer's settings: the `data` section of an experiment config (src/config merges files and command
// lines into it; the data layer reads it and nothing above it).
import type { DateFormat } from './dates.ts';

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
  /**
   * A value outside its column's vocabulary (context_type, hist_user_behavior_reason_start/_end; columns.ts): read it
   * as the "other" slot, counted per column and reported once (inspect, explore, train), or stop with an error naming
   * the file, line, column and value.
   */
  unknownCategories: 'other' | 'error';
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

/** The part of an experiment config the data layer reads (a whole Config is one). */
export interface DataSettings {
  data: DataConfig;
  /** perPositionShare: see TrainConfig (absent in runs from before it: none). */
  train: { batchSize: number; perPositionShare?: number };
}

export const DATA_DEFAULTS: DataConfig = {
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
  unknownCategories: 'other',
  shuffleBuffer: 4096,
  cache: '',
  maxSessions: 0,
  maxValSessions: 0,
  synth: { sessions: 0, days: 4, seed: 7, tracks: 5000, startDate: '2018-07-15' },
};

// The shapes data takes between reading and training. Everything downstream of the CSV reader speaks these.

/** One parsed log row. Categorical columns are kept as vocabulary indices (see columns.ts). */
export interface LogRow {
  position: number; // session_position, 1-based
  trackId: string; // track_id_clean
  skip1: boolean;
  skip2: boolean;
  skip3: boolean;
  notSkipped: boolean;
  contextSwitch: boolean;
  noPause: boolean;
  shortPause: boolean;
  longPause: boolean;
  seekFwd: number;
  seekBack: number;
  shuffle: boolean;
  hour: number; // 0..23
  date: string; // normalised to YYYY-MM-DD whatever the file's date format
  premium: boolean;
  contextType: number; // index into CONTEXT_TYPES
  reasonStart: number; // index into REASONS_START
  reasonEnd: number; // index into REASONS_END
}

/** A session as read from the logs: rows in position order. */
export interface Session {
  id: string;
  /** The log day: the YYYYMMDD in the file name (training_set/log_3_20180715_….csv), else the first row's date. */
  day: string;
  length: number; // session_length as written in the file (≥ rows.length for a challenge prehistory)
  rows: LogRow[];
  /** Where the session's first row came from, for error messages: "training_set/log_0_20180715_000000000000.csv:2". */
  source: string;
}

/**
 * A challenge test session: the first ⌊L/2⌋ rows in full (`known`), the rest as track ids only (`hidden`).
 * In training, the same view is cut from a full session.
 */
export interface ChallengeSession {
  id: string;
  length: number;
  known: LogRow[];
  hiddenTrackIds: string[];
  source: string;
}

/** Track features in typed arrays: row i of `features` (width TRACK_FEATURES.length) belongs to `ids[i]`. */
export interface TrackTable {
  ids: string[];
  index: Map<string, number>;
  features: Float32Array;
  width: number;
}

/**
 * A padded batch, plain typed arrays (tensors are made by the model code, so batches can cross worker threads
 * and be cached). Layout is row-major: inputs[b][t][f] = inputs[(b * T + t) * F + f].
 */
export interface Batch {
  size: number; // sessions in this batch (B)
  seqLen: number; // T, always MAX_SESSION_LENGTH
  features: number; // F
  inputs: Float32Array; // [B, T, F]
  trackIndex: Int32Array; // [B, T] the track's key (trackKey.ts: a hash of its id), -1 for padding or unknown track
  mask: Float32Array; // [B, T] 1 where the loss and metrics apply
  labels: Float32Array; // [B, T] the configured label (skip_2 by default)
  auxLabels: Float32Array; // [B, T, 4] skip_1, skip_2, skip_3, not_skipped (for auxiliary heads)
  reasonEnd: Int32Array; // [B, T] hist_user_behavior_reason_end's index (REASONS_END, its length = other), -1 where none
  present: Float32Array; // [B, T] 1 where a real track exists (known or hidden)
  known: Float32Array; // [B, T] 1 where the row's outcomes are known to the model as history (challenge: first half)
  sessionIds: string[];
  lengths: Int32Array; // [B] session_length
}

/** Per-feature statistics from one streaming pass (skiptrain prepare), saved as JSON beside a run's config. */
export interface FeatureStats {
  /** Mean and standard deviation of each TRACK_FEATURES column, play-weighted over the training logs. */
  mean: number[];
  std: number[];
  /** Value counts of the categorical log columns, for reports and checks. */
  vocab: { contextType: Record<string, number>; reasonStart: Record<string, number>; reasonEnd: Record<string, number> };
  rows: number;
  sessions: number;
  /** skip_2 rate per session_position (index 0 = position 1), from the training days: the positionRate baseline. */
  skipRateByPosition: number[];
  /** Rows per session_position over the training days (index 0 = position 1), to weight skipRateByPosition. */
  rowsByPosition?: number[];
}

// The MSSD file formats: column names in file order and the categorical vocabularies.
// Vocabularies are fixed (not learned from data) so that encodings agree across runs, caches and checkpoints.

export const LOG_COLUMNS = [
  'session_id',
  'session_position',
  'session_length',
  'track_id_clean',
  'skip_1',
  'skip_2',
  'skip_3',
  'not_skipped',
  'context_switch',
  'no_pause_before_play',
  'short_pause_before_play',
  'long_pause_before_play',
  'hist_user_behavior_n_seekfwd',
  'hist_user_behavior_n_seekback',
  'hist_user_behavior_is_shuffle',
  'hour_of_day',
  'date',
  'premium',
  'context_type',
  'hist_user_behavior_reason_start',
  'hist_user_behavior_reason_end',
] as const;
export type LogColumn = (typeof LOG_COLUMNS)[number];

/** Columns of the challenge's `log_input_*.csv` (second half of each test session). */
/** Each log column's index in LOG_COLUMNS (and in a row's fields once a header is mapped to that order). */
export const LOG_COLUMN = Object.fromEntries(LOG_COLUMNS.map((c, i) => [c, i])) as Record<(typeof LOG_COLUMNS)[number], number>;

export const INPUT_COLUMNS = ['session_id', 'session_position', 'session_length', 'track_id_clean'] as const;

/** Track feature columns after `track_id`, in file order (29). `mode` is 'major'/'minor' in the files, 1/0 here. */
export const TRACK_FEATURES = [
  'duration',
  'release_year',
  'us_popularity_estimate',
  'acousticness',
  'beat_strength',
  'bounciness',
  'danceability',
  'dyn_range_mean',
  'energy',
  'flatness',
  'instrumentalness',
  'key',
  'liveness',
  'loudness',
  'mechanism',
  'mode',
  'organism',
  'speechiness',
  'tempo',
  'time_signature',
  'valence',
  'acoustic_vector_0',
  'acoustic_vector_1',
  'acoustic_vector_2',
  'acoustic_vector_3',
  'acoustic_vector_4',
  'acoustic_vector_5',
  'acoustic_vector_6',
  'acoustic_vector_7',
] as const;
export type TrackFeature = (typeof TRACK_FEATURES)[number];
export const TRACK_COLUMNS = ['track_id', ...TRACK_FEATURES] as const;

export const CONTEXT_TYPES = [
  'editorial_playlist',
  'user_collection',
  'catalog',
  'radio',
  'personalized_playlist',
  'charts',
] as const;

export const REASONS_START = [
  'fwdbtn',
  'trackdone',
  'clickrow',
  'backbtn',
  'appload',
  'playbtn',
  'remote',
  'trackerror',
  'endplay',
] as const;

export const REASONS_END = ['fwdbtn', 'trackdone', 'endplay', 'backbtn', 'logout', 'remote', 'clickrow', 'appload'] as const;

/**
 * The categorical log columns: each one's vocabulary and its LogRow field, in the order of their 4-bit fields in
 * SessionBlock.categories. A value outside the vocabulary is read as the extra "other" slot (index = vocab length),
 * counted per column (unknownCategories.ts) or refused, by data.unknownCategories.
 */
export const CATEGORICAL_COLUMNS = [
  { column: 'context_type', vocab: CONTEXT_TYPES, field: 'contextType' },
  { column: 'hist_user_behavior_reason_start', vocab: REASONS_START, field: 'reasonStart' },
  { column: 'hist_user_behavior_reason_end', vocab: REASONS_END, field: 'reasonEnd' },
] as const;
export type CategoricalColumn = (typeof CATEGORICAL_COLUMNS)[number]['column'];

/** Index of a categorical value; values outside the vocabulary map to the extra "other" slot (= vocab length). */
export function vocabIndex(vocab: readonly string[], value: string): number {
  const i = vocab.indexOf(value);
  return i < 0 ? vocab.length : i;
}

/** The name of index i: a vocabulary word, or 'other' for the slot past its end (in stats and exports). */
export function vocabWord(vocab: readonly string[], i: number): string {
  return i < vocab.length ? vocab[i] : 'other';
}

/** Labels a model can be trained on. */
export const LABELS = ['skip_1', 'skip_2', 'skip_3', 'not_skipped'] as const;
export type Label = (typeof LABELS)[number];

/** Longest session in MSSD; batches are padded to this length. */
export const MAX_SESSION_LENGTH = 20;

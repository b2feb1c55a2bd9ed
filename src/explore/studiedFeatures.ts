// The track features the study looks at: the continuous, named audio descriptors. The eight acoustic_vector_*
// columns are an unnamed embedding, and key/mode/time_signature are categorical, so correlations on them mean little.
import { TRACK_FEATURES, type TrackFeature } from '../data/columns.ts';

export const STUDIED_FEATURES: readonly TrackFeature[] = [
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
  'liveness',
  'loudness',
  'mechanism',
  'organism',
  'speechiness',
  'tempo',
  'valence',
];

/** A few features for the scatterplot matrix (more would make the SVG huge and the panels tiny). */
export const SCATTER_FEATURES: readonly TrackFeature[] = ['danceability', 'energy', 'valence', 'acousticness'];

/** Column of each named feature in TrackTable.features rows. */
export function featureColumns(names: readonly TrackFeature[]): number[] {
  return names.map((n) => TRACK_FEATURES.indexOf(n));
}

// The track features the study looks at: the continuous, named audio descriptors. The eight acoustic_vector_*
// columns are an unnamed embedding, and key/mode/time_signature are categorical, so correlations on them mean little.
import { TRACK_FEATURES, type TrackFeature } from '../data/format/columns.ts';

const CATEGORICAL: readonly TrackFeature[] = ['key', 'mode', 'time_signature'];

export const STUDIED_FEATURES: readonly TrackFeature[] = TRACK_FEATURES.filter(
  (f) => !f.startsWith('acoustic_vector_') && !CATEGORICAL.includes(f),
);

/** A few features for the scatterplot matrix (more would make the SVG huge and the panels tiny). */
export const SCATTER_FEATURES: readonly TrackFeature[] = ['danceability', 'energy', 'valence', 'acousticness'];

/** Column of each named feature in TrackTable.features rows. */
export function featureColumns(names: readonly TrackFeature[]): number[] {
  return names.map((n) => TRACK_FEATURES.indexOf(n));
}

// The explore pass's settings and their defaults, on their own so that `skiptrain explore --help` can show the
// defaults without loading the pass.

export interface ExploreOptions {
  /** Size of the transition matrix (most played tracks). */
  top: number;
  /** PC: significance level of each conditional-independence test. */
  alpha: number;
  /** PC: largest conditioning set. */
  maxCond: number;
  /** Fraction of sessions kept for the sample-based analyses… */
  sample: number;
  /** …and the most sessions that sample may hold (memory bound). */
  maxSampleSessions: number;
  seed: number;
  /** Feature memory is measured at lags 1..maxLag. */
  maxLag: number;
  bins: number;
  /** Points drawn in the scatterplot matrix. */
  scatterPoints: number;
}

export const DEFAULT_EXPLORE_OPTIONS: ExploreOptions = {
  top: 30,
  alpha: 0.01,
  maxCond: 3,
  sample: 0.01,
  maxSampleSessions: 20_000,
  seed: 1,
  maxLag: 5,
  bins: 30,
  scatterPoints: 600,
};

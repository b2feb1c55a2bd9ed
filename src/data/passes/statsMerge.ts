// Feature-statistics partials of disjoint shards combined into those of the whole: counts add exactly; means and
// sums of squared deviations by Chan, Golub & LeVeque's pairwise rule, so no partial ever needs the raw values.
import { readPartials } from './partials.ts';
import { finishFeatureStats, type FeatureStatsPartial } from './stats.ts';
import type { FeatureStats } from '../format/types.ts';

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Two partials as one (Chan et al.: δ = mean_b − mean_a, mean += δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n). */
export function mergeFeatureStatsPair(a: FeatureStatsPartial, b: FeatureStatsPartial): FeatureStatsPartial {
  const n = a.plays + b.plays;
  const mean: number[] = [];
  const m2: number[] = [];
  for (let c = 0; c < a.mean.length; c++) {
    if (b.plays === 0 || a.plays === 0) {
      const only = b.plays === 0 ? a : b;
      mean.push(only.mean[c]);
      m2.push(only.m2[c]);
      continue;
    }
    const delta = b.mean[c] - a.mean[c];
    mean.push(a.mean[c] + (delta * b.plays) / n);
    m2.push(a.m2[c] + b.m2[c] + (delta * delta * a.plays * b.plays) / n);
  }
  const vocab = structuredClone(a.vocab);
  addCounts(vocab.contextType, b.vocab.contextType);
  addCounts(vocab.reasonStart, b.vocab.reasonStart);
  addCounts(vocab.reasonEnd, b.vocab.reasonEnd);
  return {
    plays: n,
    mean,
    m2,
    vocab,
    rows: a.rows + b.rows,
    sessions: a.sessions + b.sessions,
    skips: a.skips.map((x, i) => x + b.skips[i]),
    seen: a.seen.map((x, i) => x + b.seen[i]),
  };
}

/** All partials as one, in the order given (the merge is exact for counts; moments agree to rounding with one pass). */
export function mergeFeatureStats(parts: readonly FeatureStatsPartial[]): FeatureStatsPartial {
  if (parts.length === 0) throw new Error('mergeFeatureStats: nothing to merge');
  return parts.slice(1).reduce(mergeFeatureStatsPair, parts[0]);
}

/** The feature statistics of the whole from the stats partials in `dir` (checked as readPartials checks them). */
export async function mergeStatsPartials(dir: string): Promise<FeatureStats> {
  const parts = await readPartials<FeatureStatsPartial>(dir, 'stats');
  return finishFeatureStats(mergeFeatureStats(parts.map((p) => p.result)));
}

// Successive halving: every trial trains to the first rung (a fraction of its budget); the best 1/eta of those go on
// to the next rung, and so on, until the survivors have used their whole budget. Rungs are synchronous (a rung
// starts when the one before has ended), so the trials promoted depend only on the metrics, never on which
// trial finished first: a resumed sweep promotes the same ones.
import type { TrainConfig } from '../../config/schema.ts';

/** The fraction of the whole budget at the end of each rung: eta^-(rungs-1) … 1/eta, 1. */
export function rungFractions(rungs: number, eta: number): number[] {
  return Array.from({ length: rungs }, (_, k) => eta ** -(rungs - 1 - k));
}

/** Whether a lower value of the metric is better. */
export function lowerIsBetter(metric: TrainConfig['bestMetric']): boolean {
  return metric === 'val/loss';
}

/** The best of a series of metric values (undefined for none). */
export function bestOf(values: readonly number[], metric: TrainConfig['bestMetric']): number | undefined {
  if (values.length === 0) return undefined;
  return lowerIsBetter(metric) ? Math.min(...values) : Math.max(...values);
}

/**
 * The trials that go on to the next rung: the best ⌈n/eta⌉ of the n that ran this one (ties keep trial order);
 * trials without a metric (failed, or no validation sessions) never go on.
 */
export function promote(results: readonly { id: string; metric: number | undefined }[], eta: number, metric: TrainConfig['bestMetric']): string[] {
  const keep = Math.ceil(results.length / eta);
  const sign = lowerIsBetter(metric) ? 1 : -1;
  return results
    .map((r, order) => ({ ...r, order }))
    .filter((r): r is { id: string; metric: number; order: number } => r.metric !== undefined && Number.isFinite(r.metric))
    .sort((a, b) => sign * (a.metric - b.metric) || a.order - b.order)
    .slice(0, keep)
    .map((r) => r.id);
}

// Small sampling helpers for the synthetic generator: quartile-matched marginals and popularity sampling.
import type { Rng } from '../../util/rng.ts';

/** Monotone transform to a space where a feature is roughly normal, and back. */
export interface Warp {
  to(x: number): number;
  from(y: number): number;
}

export const identity: Warp = { to: (x) => x, from: (y) => y };
export const logit: Warp = {
  to: (x) => Math.log(x / (1 - x)),
  from: (y) => 1 / (1 + Math.exp(-y)),
};
export const log: Warp = { to: (x) => Math.log(x), from: (y) => Math.exp(y) };
/** log of the distance below a ceiling: for left-skewed values packed under a maximum (popularity, loudness). */
export const logBelow = (ceiling: number): Warp => ({
  to: (x) => Math.log(ceiling - x),
  from: (y) => ceiling - Math.exp(y),
});

/**
 * A marginal given by its published quartiles: a two-piece normal in warped space, so the 25%, 50% and 75% points
 * come out exactly and the skew follows the data, then clipped to the published min/max.
 */
export interface QuartileMarginal {
  q25: number;
  q50: number;
  q75: number;
  min: number;
  max: number;
  warp: Warp;
}

const Z75 = 0.6744897501960817;

/** Maps a standard normal draw z to the marginal (monotone in z, so latent correlations survive). */
export function fromQuartiles(m: QuartileMarginal, z: number): number {
  const a = m.warp.to(m.q25);
  const b = m.warp.to(m.q50);
  const c = m.warp.to(m.q75);
  // A decreasing warp (logBelow) flips the order; the scale on each side is still a distance.
  const lowScale = Math.abs(b - a) / Z75;
  const highScale = Math.abs(c - b) / Z75;
  const sign = c >= a ? 1 : -1;
  const y = b + sign * z * (z * sign < 0 ? lowScale : highScale);
  const x = m.warp.from(y);
  return Math.min(m.max, Math.max(m.min, x));
}

/** Cumulative weights for O(log n) sampling by binary search. */
export function cumulative(weights: ArrayLike<number>): Float64Array {
  const cum = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) cum[i] = total += weights[i];
  return cum;
}

export function sampleCumulative(cum: Float64Array, rng: Rng): number {
  const r = rng.next() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** A hex id shaped like a UUID (8-4-4-4-12), drawn from the rng. */
export function uuidLike(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += (rng.int(0x100000000) >>> 0).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The calendar day `days` after a YYYY-MM-DD date. */
export function dayAfter(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

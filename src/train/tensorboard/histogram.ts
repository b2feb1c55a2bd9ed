// Summarising a tensor's values as a TensorBoard HistogramProto.
import type { HistogramProto } from './event.ts';

/** The largest double: TensorFlow's conventional upper limit of the last bucket. */
const DBL_MAX = Number.MAX_VALUE;

/**
 * `buckets` buckets whose centres are evenly spaced from the smallest to the largest value, so both extremes sit in
 * the middle of the end buckets ([-1, 0, 0, 1] in 3 buckets → limits -0.5, 0.5, DBL_MAX; counts 1, 2, 1). Bucket i
 * holds values v with limit[i-1] <= v < limit[i], as in TensorFlow. Non-finite values are left out (a diverged run
 * shows up in its loss, not here); returns undefined when no finite value is left.
 */
export function buildHistogram(values: ArrayLike<number>, buckets = 30): HistogramProto | undefined {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`histogram buckets must be a positive integer, got ${buckets}`);
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return undefined;
  const n = max > min ? buckets : 1;
  const width = n > 1 ? (max - min) / (n - 1) : 0;
  const bucketLimit = Array.from({ length: n }, (_, i) => (i === n - 1 ? DBL_MAX : min + (i + 0.5) * width));
  const bucket = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let b = n > 1 ? Math.round((v - min) / width) : 0;
    // Rounding of (v - min) / width can disagree with the limits by one ulp; the limits are what TensorBoard sees.
    if (b > 0 && v < bucketLimit[b - 1]) b--;
    else if (b < n - 1 && v >= bucketLimit[b]) b++;
    bucket[Math.min(Math.max(b, 0), n - 1)]++;
  }
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}

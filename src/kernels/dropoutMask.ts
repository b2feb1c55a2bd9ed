// Dropout masks from a counter-based hash, the rule native/dropout.c implements for the native engine: element k
// of a site keeps its value iff (hash(seed, k) >> 8) ≥ round(rate · 2²⁴), scaled by 1/(1 − rate). k counts over
// the whole batch's tensor, so a slice of the batch (a gradient thread's) gets exactly its part of the batch's
// mask, and every backend draws the same masks from the same seed.

/** A 32-bit integer hash (lowbias32): every input bit moves every output bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The hash key of a site's seed: what the engines' kernels take in place of the seed. */
export function dropoutKey(seed: number): number {
  return mix32(seed >>> 0);
}

/** The integer threshold of `rate` on the hash's top 24 bits. */
export function dropoutThreshold(rate: number): number {
  return Math.round(rate * 2 ** 24);
}

/** The factor kept values are scaled by, as a float32. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}

/** Mask values (scale or 0) of elements first … first + n − 1 of the site seeded `seed`. */
export function dropoutMask(n: number, first: number, seed: number, rate: number): Float32Array {
  const out = new Float32Array(n);
  const key = dropoutKey(seed);
  const threshold = dropoutThreshold(rate);
  const scale = dropoutScale(rate);
  for (let j = 0; j < n; j++) {
    const index = (first + j) >>> 0;
    if (mix32((key + Math.imul(index, 0x9e3779b9)) >>> 0) >>> 8 >= threshold) out[j] = scale;
  }
  return out;
}

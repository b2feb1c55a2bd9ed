// Dropout masks from a counter-based hash: element k of a site keeps its value iff (hash(seed, k) >> 8) ≥
// threshold, and is scaled by 1/(1 − rate). k is the element's index in the WHOLE batch's [B, T, W] tensor, so a
// mask does not depend on how the batch is split over threads. src/kernels/dropoutMask.ts is the same rule in
// TypeScript (the tfjs backends use it); tests check the two agree bit for bit.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.
typedef unsigned v8u __attribute__((vector_size(32)));

static inline v8u mix32v(v8u x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
static inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/** x[n] ⊙= mask of the elements first, first + 1, … of the site seeded `seed` (forward and backward alike). */
static void dropout_apply(float *x, long n, uint32_t first, uint32_t seed, uint32_t threshold, float scale) {
  const uint32_t key = mix32(seed);
  const v8u lanes = {0, 1, 2, 3, 4, 5, 6, 7};
  for (long j = 0; j < n; j += 8) {
    int w = n - j < 8 ? (int)(n - j) : 8;
    v8u idx = (first + (uint32_t)j) + lanes;
    v8u bits = mix32v(key + idx * 0x9e3779b9u) >> 8;
    v8i keep = (v8i)(bits >= threshold);
    v8 v = vloadn(x + j, w) * scale;
    vstoren(x + j, vselect(keep, v, vsplat(0.0f)), w);
  }
}

// Eight-float vectors in GCC/Clang vector extensions: the same source compiles to AVX2+FMA in isaAvx2.c and to
// the baseline instruction set (SSE2 pairs, NEON) in isaGeneric.c. Partial loads and stores let every loop run
// its tail through the same vector code, so a value does not depend on where in a row it sits.
#ifndef SKIPTRAIN_VEC_H
#define SKIPTRAIN_VEC_H
#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

static inline v8 vload(const float *p) {
  v8 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void vstore(float *p, v8 v) { memcpy(p, &v, sizeof v); }
static inline v8 vsplat(float x) { return (v8){x, x, x, x, x, x, x, x}; }

/** The first n (≤ 8) floats of p, zeros after. */
static inline v8 vloadn(const float *p, int n) {
  if (n >= 8) return vload(p);
  v8 v = vsplat(0.0f);
  memcpy(&v, p, (size_t)n * sizeof(float));
  return v;
}
static inline void vstoren(float *p, v8 v, int n) {
  if (n >= 8) vstore(p, v);
  else memcpy(p, &v, (size_t)n * sizeof(float));
}

/** a where mask is set (all ones), else b: C has no ?: on vectors. */
static inline v8 vselect(v8i mask, v8 a, v8 b) { return (v8)(((v8i)a & mask) | ((v8i)b & ~mask)); }
static inline v8 vmin(v8 a, v8 b) { return vselect(a < b, a, b); }
static inline v8 vmax(v8 a, v8 b) { return vselect(a > b, a, b); }

/** e^x, Cephes' single-precision polynomial after reducing x by n·ln 2 (about 1 ulp on [−87, 88]). */
static inline v8 vexp(v8 x) {
  x = vmin(vmax(x, vsplat(-87.3365447f)), vsplat(88.7228391f));
  v8 fx = x * 1.44269504088896341f + 0.5f;
  v8i n = __builtin_convertvector(fx, v8i); // truncates toward zero …
  n += (v8i)(__builtin_convertvector(n, v8) > fx); // … so step down where that rounded up: floor
  v8 fn = __builtin_convertvector(n, v8);
  x = x - fn * 0.693359375f - fn * -2.12194440e-4f;
  v8 z = x * x;
  v8 y = vsplat(1.9875691500e-4f);
  y = y * x + 1.3981999507e-3f;
  y = y * x + 8.3334519073e-3f;
  y = y * x + 4.1665795894e-2f;
  y = y * x + 1.6666665459e-1f;
  y = y * x + 5.0000001201e-1f;
  y = y * z + x + 1.0f;
  return y * (v8)((n + 127) << 23);
}

static inline v8 vsigmoid(v8 x) { return 1.0f / (1.0f + vexp(-x)); }

static inline v8 vtanh(v8 x) {
  v8 ax = vmax(x, -x);
  v8 e = vexp(-2.0f * ax);
  v8 t = (1.0f - e) / (1.0f + e);
  return vselect(x < 0.0f, -t, t);
}

/** All ones in lanes 0 … n − 1, zeros after. */
static inline v8i vfirst(int n) {
  const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
  return lane < n;
}

/** The sum of the eight lanes. */
static inline float vsum(v8 v) {
  v8 s = v;
  float out = 0.0f;
  for (int i = 0; i < 8; i++) out += s[i];
  return out;
}

#endif

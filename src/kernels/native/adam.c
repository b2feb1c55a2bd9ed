// Gradient clipping and Adam (AdamW with decoupled weight decay) over ranges of one flat parameter vector: the
// same formula, in the same order of operations, as train/optimizer.ts.
//   m ← β1·m + (1−β1)·g    v ← β2·v + (1−β2)·g²    p ← p − lr·(m/c1)/(√(v/c2) + ε) − lr·wd·p
// where g is the gradient times the clipping scale and c1, c2 the bias corrections of this step.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.
#include <math.h>

static void adam_update(const AdamArgs *a, float *p, const float *g, float *m, float *v, long n, int decay) {
  const float decayLr = decay ? a->decayLr : 0.0f;
  for (long j = 0; j < n; j++) {
    const float gj = g[j] * a->scale;
    const float mj = m[j] * a->beta1 + gj * a->oneMinusBeta1;
    const float vj = v[j] * a->beta2 + gj * gj * a->oneMinusBeta2;
    m[j] = mj;
    v[j] = vj;
    const float mHat = mj / a->correction1, vHat = vj / a->correction2;
    p[j] = p[j] - mHat / (sqrtf(vHat) + a->epsilon) * a->lr - p[j] * decayLr;
  }
}

static void sum_into(float *dst, const float *src, long n) {
  for (long j = 0; j < n; j++) dst[j] += src[j];
}

static double sum_squares(const float *x, long n) {
  double s = 0;
  for (long j = 0; j < n; j++) s += (double)x[j] * x[j];
  return s;
}

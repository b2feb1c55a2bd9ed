// Causal multi-head self-attention over one slice, all heads, forward and backward (models/transformer.ts is the
// tf-ops reference). For sequence b and head h, with q, k, v the head's columns of the qkv rows of b:
//   S = (q·s)·kᵀ + bias, s = 1/√dh, bias = −1e9 above the diagonal (keys after the query) and at padded keys
//   P = softmax(S) row by row,  O = P·v
// Backward: dv = Pᵀ·dO, dP = dO·vᵀ, dS = P⊙(dP − rowsum(P⊙dP)), dq = s·dS·k, dk = dSᵀ·(q·s).
// A masked score's exp(−1e9 − max) is exactly 0 in float32, so masked keys get P = 0 without their sums; a row with
// every key masked (no real track at or before it) takes the reference's literal −1e9 sums instead. P is kept for
// the backward pass: [rows, heads, T, T] is small at T = 20 (less than the qkv rows themselves). Per (b, h) the
// head's k and v are transposed into [dh, T] so that a query's T scores (and, backward, its T dP values) are
// multiply-adds over vectors of keys.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

#define MASKED_SCORE -1e9f

/** y[n] += a·x[n] */
static inline void axpy(float a, const float *x, float *y, int n) {
  for (int c = 0; c < n; c += 8) {
    int w = n - c < 8 ? n - c : 8;
    vstoren(y + c, vloadn(y + c, w) + a * vloadn(x + c, w), w);
  }
}

/** X's dh columns of T rows (row stride ld) → out [dh, Tp], zero-padded to Tp = T rounded up to 8. */
static void transpose_head(int T, int Tp, int dh, const float *X, long ld, float *out) {
  for (int c = 0; c < dh; c++) {
    float *row = out + (long)c * Tp;
    for (int j = 0; j < T; j++) row[j] = X[j * ld + c];
    for (int j = T; j < Tp; j++) row[j] = 0.0f;
  }
}

/** out[0:Tp] = Σ_c a[c]·M[c][0:Tp]: a vector against every key at once (M is a transposed head). */
static inline void against_keys(int Tp, int dh, const float *a, const float *M, float *out) {
  for (int j = 0; j < Tp; j += 8) {
    v8 acc = vsplat(0.0f);
    for (int c = 0; c < dh; c++) acc += a[c] * vload(M + (long)c * Tp + j);
    vstore(out + j, acc);
  }
}

/** Query t's row of P from its scores s[0:T] (overwritten): allowed keys at or before t and present. */
static void softmax_row(int T, int t, const float *present, float *s, float *P) {
  int allowed = 0;
  for (int j = 0; j <= t; j++) allowed += present[j] != 0.0f;
  if (!allowed) // the reference's literal sums: every key carries a −1e9 (a padded key above the diagonal −2e9)
    for (int j = 0; j < T; j++) s[j] += (j > t ? MASKED_SCORE : 0.0f) + (present[j] != 0.0f ? 0.0f : MASKED_SCORE);
  float max = -INFINITY;
  for (int j = 0; j < T; j++)
    if ((!allowed || (j <= t && present[j] != 0.0f)) && s[j] > max) max = s[j];
  float sum = 0.0f;
  for (int j = 0; j < T; j += 8) {
    const int n = T - j < 8 ? T - j : 8;
    v8 e = vexp(vloadn(s + j, n) - max);
    for (int i = 0; i < n; i++) {
      const int k = j + i;
      P[k] = !allowed || (k <= t && present[k] != 0.0f) ? e[i] : 0.0f;
      sum += P[k];
    }
  }
  const float inv = 1.0f / sum;
  for (int j = 0; j < T; j++) P[j] *= inv;
}

/** qkv [rows·T, 3d] (batch-major) → P [rows, heads, T, T] and merged [rows·T, d], the heads side by side. */
static void attention_forward(int rows, int T, int d, int heads, const float *qkv, const float *present, float *P, float *merged) {
  const int dh = d / heads, Tp = (T + 7) & ~7;
  const long ld = 3L * d;
  const float scale = (float)(1.0 / sqrt((double)dh));
  float qs[dh], s[Tp], Kt[dh * Tp];
  memset(merged, 0, sizeof(float) * (size_t)rows * T * d);
  for (int b = 0; b < rows; b++) {
    const float *base = qkv + (long)b * T * ld;
    for (int h = 0; h < heads; h++) {
      const float *Q = base + h * dh, *V = base + 2 * d + h * dh;
      transpose_head(T, Tp, dh, base + d + h * dh, ld, Kt);
      for (int t = 0; t < T; t++) {
        for (int c = 0; c < dh; c++) qs[c] = Q[t * ld + c] * scale;
        against_keys(Tp, dh, qs, Kt, s);
        float *Pt = P + (((long)b * heads + h) * T + t) * T;
        softmax_row(T, t, present + (long)b * T, s, Pt);
        float *O = merged + ((long)b * T + t) * d + h * dh;
        for (int j = 0; j < T; j++)
          if (Pt[j] != 0.0f) axpy(Pt[j], V + j * ld, O, dh);
      }
    }
  }
}

/** dmerged [rows·T, d] → dqkv [rows·T, 3d] (written), with the P and qkv of the forward pass. */
static void attention_backward(int rows, int T, int d, int heads, const float *qkv, const float *P, const float *dmerged, float *dqkv) {
  const int dh = d / heads, Tp = (T + 7) & ~7;
  const long ld = 3L * d;
  const float scale = (float)(1.0 / sqrt((double)dh));
  float qs[dh], dP[Tp], Vt[dh * Tp];
  memset(dqkv, 0, sizeof(float) * (size_t)rows * T * ld);
  for (int b = 0; b < rows; b++) {
    const float *base = qkv + (long)b * T * ld;
    float *dbase = dqkv + (long)b * T * ld;
    for (int h = 0; h < heads; h++) {
      const float *Q = base + h * dh, *K = base + d + h * dh;
      float *dQ = dbase + h * dh, *dK = dbase + d + h * dh, *dV = dbase + 2 * d + h * dh;
      transpose_head(T, Tp, dh, base + 2 * d + h * dh, ld, Vt);
      for (int t = 0; t < T; t++) {
        const float *Pt = P + (((long)b * heads + h) * T + t) * T;
        const float *dO = dmerged + ((long)b * T + t) * d + h * dh;
        against_keys(Tp, dh, dO, Vt, dP);
        float rowDot = 0.0f;
        for (int j = 0; j < T; j++) rowDot += Pt[j] * dP[j];
        for (int c = 0; c < dh; c++) qs[c] = Q[t * ld + c] * scale;
        for (int j = 0; j < T; j++) {
          if (Pt[j] == 0.0f) continue;
          const float ds = Pt[j] * (dP[j] - rowDot);
          axpy(ds * scale, K + j * ld, dQ + t * ld, dh);
          axpy(ds, qs, dK + j * ld, dh);
          axpy(Pt[j], dO, dV + j * ld, dh);
        }
      }
    }
  }
}

// Layer normalisation over each row of width d, forward and backward (kernels/layerNorm.ts is the tf-ops
// reference):  x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ⊙x̂ + β;   g = dy⊙γ,
//   dx = r·(g − mean(g) − x̂⊙mean(g⊙x̂)),  dγ = Σ_rows dy⊙x̂,  dβ = Σ_rows dy.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

#define LN_EPSILON 1e-5f

/** Each of N rows of x [N, d] → y; keeps x̂ and r for the backward pass. */
static void layer_norm_forward(long N, int d, const float *x, const float *gamma, const float *beta, float *xhat, float *r, float *y) {
  for (long i = 0; i < N; i++) {
    const float *xi = x + i * d;
    v8 acc = vsplat(0.0f);
    for (int j = 0; j < d; j += 8) acc += vloadn(xi + j, d - j);
    const float mean = vsum(acc) / d;
    acc = vsplat(0.0f);
    for (int j = 0; j < d; j += 8) {
      int n = d - j < 8 ? d - j : 8;
      v8 c = vselect(vfirst(n), vloadn(xi + j, n) - mean, vsplat(0.0f)); // lanes past the row add nothing
      acc += c * c;
    }
    const float ri = 1.0f / sqrtf(vsum(acc) / d + LN_EPSILON);
    r[i] = ri;
    float *xh = xhat + i * d, *yi = y + i * d;
    for (int j = 0; j < d; j += 8) {
      int n = d - j < 8 ? d - j : 8;
      v8 h = (vloadn(xi + j, n) - mean) * ri;
      vstoren(xh + j, h, n);
      vstoren(yi + j, h * vloadn(gamma + j, n) + vloadn(beta + j, n), n);
    }
  }
}

/** dy [N, d] → the gradient at x ADDED into dx (a residual stream); dγ and dβ added into dgamma, dbeta. */
static void layer_norm_backward(long N, int d, const float *dy, const float *xhat, const float *r, const float *gamma, float *dx, float *dgamma, float *dbeta) {
  for (long i = 0; i < N; i++) {
    const float *dyi = dy + i * d, *xh = xhat + i * d;
    v8 sg = vsplat(0.0f), sgx = vsplat(0.0f);
    for (int j = 0; j < d; j += 8) {
      int n = d - j < 8 ? d - j : 8;
      v8 dv = vloadn(dyi + j, n), h = vloadn(xh + j, n);
      v8 g = dv * vloadn(gamma + j, n);
      sg += g;
      sgx += g * h;
      vstoren(dgamma + j, vloadn(dgamma + j, n) + dv * h, n);
      vstoren(dbeta + j, vloadn(dbeta + j, n) + dv, n);
    }
    const float mg = vsum(sg) / d, mgx = vsum(sgx) / d, ri = r[i];
    float *dxi = dx + i * d;
    for (int j = 0; j < d; j += 8) {
      int n = d - j < 8 ? d - j : 8;
      v8 g = vloadn(dyi + j, n) * vloadn(gamma + j, n);
      vstoren(dxi + j, vloadn(dxi + j, n) + (g - mg - vloadn(xh + j, n) * mgx) * ri, n);
    }
  }
}

// One GRU layer over a whole sequence from zero state, forward and backward, for one slice of the batch, in lstm.c's
// time-major layout. PyTorch's GRU, gate columns (r, z, n), as in the tfjs model (models/gru.ts,
// kernels/gruSequence.ts):
//   r,z = σ(x·Wx_rz + bx_rz + hg_rz)   n = tanh(x·Wx_n + bx_n + r⊙hg_n)   h_t = (1−z)⊙n + z⊙h_{t−1}
//   hg = h_{t−1}·Wh + bh (apart from x's side: r gates hg_n, bias included)
// Backward (dh_t complete: dy_t plus what step t+1 added):
//   dn = dh⊙(1−z)⊙(1−n²)   dz = dh⊙(h_{t−1}−n)⊙z(1−z)   dr = dn⊙hg_n⊙r(1−r)
//   at x's side [dr, dz, dn], at hg's [dr, dz, dn⊙r];   dh_{t−1} += dh⊙z + [dr, dz, dn⊙r]·Whᵀ
// The gate buffer holds x·Wx + bx, then the activated gates, then x's side of the gradient (in place).
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

/** One layer's weights, packed for gemm_nn (pack_b), and its biases. */
typedef struct {
  const float *wx, *wh, *wxT, *whT; // [in, 3H], [H, 3H], [3H, in], [3H, H]
  const float *bx, *bh;             // [3H] each, not packed
} GruWeights;

/**
 * Activates one step's gates G (rows × 3H: x·Wx + bx) in place with HG (rows × 3H: h·Wh + bh; NULL at t = 0, where
 * it is bh) and advances the state: hg_n and h of the step.
 */
static void gru_cell_forward(int rows, int H, float *G, const float *HG, const float *bh, const float *hPrev, float *HN, float *Hs) {
  const long g3 = 3L * H;
  for (int r = 0; r < rows; r++) {
    float *g = G + r * g3;
    const float *hg = HG ? HG + r * g3 : bh;
    const float *hp = hPrev ? hPrev + (long)r * H : NULL;
    float *hn = HN + (long)r * H, *h = Hs + (long)r * H;
    for (int j = 0; j < H; j += 8) {
      int n = H - j < 8 ? H - j : 8;
      v8 rg = vsigmoid(vloadn(g + j, n) + vloadn(hg + j, n));
      v8 zg = vsigmoid(vloadn(g + H + j, n) + vloadn(hg + H + j, n));
      v8 hgn = vloadn(hg + 2 * H + j, n);
      v8 ng = vtanh(vloadn(g + 2 * H + j, n) + rg * hgn);
      v8 out = (1.0f - zg) * ng;
      if (hp) out += zg * vloadn(hp + j, n);
      vstoren(g + j, rg, n);
      vstoren(g + H + j, zg, n);
      vstoren(g + 2 * H + j, ng, n);
      vstoren(hn + j, hgn, n);
      vstoren(h + j, out, n);
    }
  }
}

/**
 * x [T·rows, in] → Hs [T·rows, H]; keeps the activated gates G [T·rows, 3H] and hg_n HN [T·rows, H] for the
 * backward pass. step: rows × 3H of scratch.
 */
static void gru_forward(int rows, int T, int in, int H, const float *x, const GruWeights *w, float *G, float *HN, float *Hs, float *step) {
  const long g3 = 3L * H, stepG = rows * g3, stepH = (long)rows * H;
  for (int t = 0; t < T; t++) {
    float *Gt = G + t * stepG;
    gemm_nn(rows, (int)g3, in, x + t * (long)rows * in, in, w->wx, Gt, g3, 1, w->bx);
    if (t > 0) gemm_nn(rows, (int)g3, H, Hs + (t - 1) * stepH, H, w->wh, step, g3, 1, w->bh);
    gru_cell_forward(rows, H, Gt, t > 0 ? step : NULL, w->bh, t > 0 ? Hs + (t - 1) * stepH : NULL, HN + t * stepH, Hs + t * stepH);
  }
}

/**
 * One step's gradients from dh: x's side into G (rows × 3H, over the gates), hg's side into D (rows × 3H), and
 * dh⊙z added into dhPrev unless it is NULL (t = 0).
 */
static void gru_cell_backward(int rows, int H, float *G, float *D, const float *HN, const float *hPrev, const float *dh, float *dhPrev) {
  const long g3 = 3L * H;
  for (int r = 0; r < rows; r++) {
    float *g = G + r * g3, *d = D + r * g3;
    const float *hn = HN + (long)r * H, *dhr = dh + (long)r * H;
    const float *hp = hPrev ? hPrev + (long)r * H : NULL;
    float *dp = dhPrev ? dhPrev + (long)r * H : NULL;
    for (int j = 0; j < H; j += 8) {
      int n = H - j < 8 ? H - j : 8;
      v8 rg = vloadn(g + j, n), zg = vloadn(g + H + j, n), ng = vloadn(g + 2 * H + j, n);
      v8 dhv = vloadn(dhr + j, n);
      v8 hpv = hp ? vloadn(hp + j, n) : vsplat(0.0f);
      v8 dn = dhv * (1.0f - zg) * (1.0f - ng * ng);
      v8 dr = dn * vloadn(hn + j, n) * rg * (1.0f - rg);
      v8 dz = dhv * (hpv - ng) * zg * (1.0f - zg);
      vstoren(g + j, dr, n);
      vstoren(g + H + j, dz, n);
      vstoren(g + 2 * H + j, dn, n);
      vstoren(d + j, dr, n);
      vstoren(d + H + j, dz, n);
      vstoren(d + 2 * H + j, dn * rg, n);
      if (dp) vstoren(dp + j, vloadn(dp + j, n) + dhv * zg, n);
    }
  }
}

/** dWx += x_tᵀ·dGx or dWh += h_{t−1}ᵀ·dGh, for one step's rows: dG packed chunk by chunk into `pack`. */
static void gru_weight_gradient(int rows, int K, int g3, const float *X, const float *dG, float *dW, float *pack) {
  for (int r0 = 0; r0 < rows; r0 += GEMM_KC) {
    int mc = rows - r0 < GEMM_KC ? rows - r0 : GEMM_KC;
    pack_b(mc, g3, dG + (long)r0 * g3, g3, 1, pack);
    gemm_tn_packed(mc, K, g3, X + (long)r0 * K, K, pack, dW, g3);
  }
}

/**
 * The backward pass of gru_forward. dHs [T·rows, H]: the gradient at the outputs (consumed: each step adds its
 * share into the step before). Turns G into x's side of the gradient, adds the weight gradients into dwx [in, 3H],
 * dwh [H, 3H], dbx and dbh [3H] and writes dx [T·rows, in] unless it is NULL. step: rows × 3H; pack:
 * packed_size_of(GEMM_CHUNK, 3H) floats.
 */
static void gru_backward(int rows, int T, int in, int H, const float *x, const GruWeights *w, float *G, const float *HN, const float *Hs, float *dHs, float *dx, float *dwx,
                         float *dwh, float *dbx, float *dbh, float *step, float *pack) {
  const long g3 = 3L * H, stepG = rows * g3, stepH = (long)rows * H, stepX = (long)rows * in;
  for (int t = T - 1; t >= 0; t--) {
    float *Gt = G + t * stepG, *dhPrev = t > 0 ? dHs + (t - 1) * stepH : NULL;
    const float *hPrev = t > 0 ? Hs + (t - 1) * stepH : NULL;
    gru_cell_backward(rows, H, Gt, step, HN + t * stepH, hPrev, dHs + t * stepH, dhPrev);
    if (dhPrev) {
      gemm_nn(rows, H, (int)g3, step, g3, w->whT, dhPrev, H, 0, NULL);
      gru_weight_gradient(rows, H, (int)g3, hPrev, step, dwh, pack);
    }
    add_column_sums(rows, (int)g3, step, g3, dbh); // bh acts at t = 0 too
    if (dx) gemm_nn(rows, in, (int)g3, Gt, g3, w->wxT, dx + t * stepX, in, 1, NULL);
    gru_weight_gradient(rows, in, (int)g3, x + t * stepX, Gt, dwx, pack);
    add_column_sums(rows, (int)g3, Gt, g3, dbx);
  }
}

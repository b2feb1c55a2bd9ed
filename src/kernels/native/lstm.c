// One LSTM layer over a whole sequence from zero state, forward and backward, for one slice of the batch.
// Layout inside a slice is time-major, rows (t, b): the rows of one time step are one contiguous block, so each
// step's matrix products and cell updates run on dense memory while it is in cache. Gate columns (i, f, o, g), as
// in the tfjs model (models/lstm.ts, kernels/lstmSequence.ts):
//   i,f,o = σ(z_ifo)   g = tanh(z_g)   c_t = f⊙c_{t−1} + i⊙g   h_t = o⊙tanh(c_t)      z_t = x_t·Wx + b + h_{t−1}·Wh
// Backward (dh, dc flowing from t+1):
//   dh_t = dy_t + dz_{t+1}·Whᵀ   dc_t = dh_t⊙o⊙(1−tanh²c_t) + f_{t+1}⊙dc_{t+1}
//   dz = [dc⊙g⊙i(1−i), dc⊙c_{t−1}⊙f(1−f), dh⊙tanh(c)⊙o(1−o), dc⊙i⊙(1−g²)]
// The gate buffer holds z, then the activated gates, then dz (each overwrites the one before in place).
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

/** One layer's weights, packed for gemm_nn (pack_b), and its bias. */
typedef struct {
  const float *wx, *wh, *wxT, *whT; // [in, 4H], [H, 4H], [4H, in], [4H, H]
  const float *b;                   // [4H], not packed
} LstmWeights;

/** Activates one step's gates G (rows × 4H) in place and advances the cell: c, tanh c and h of the step. */
static void lstm_cell_forward(int rows, int H, float *G, const float *cPrev, float *C, float *TC, float *Hs) {
  const long g4 = 4L * H;
  for (int r = 0; r < rows; r++) {
    float *z = G + r * g4;
    float *c = C + (long)r * H, *tc = TC + (long)r * H, *h = Hs + (long)r * H;
    const float *cp = cPrev ? cPrev + (long)r * H : NULL;
    for (int j = 0; j < H; j += 8) {
      int n = H - j < 8 ? H - j : 8;
      v8 i = vsigmoid(vloadn(z + j, n));
      v8 f = vsigmoid(vloadn(z + H + j, n));
      v8 o = vsigmoid(vloadn(z + 2 * H + j, n));
      v8 g = vtanh(vloadn(z + 3 * H + j, n));
      v8 cell = i * g;
      if (cp) cell += f * vloadn(cp + j, n);
      v8 tcell = vtanh(cell);
      vstoren(z + j, i, n);
      vstoren(z + H + j, f, n);
      vstoren(z + 2 * H + j, o, n);
      vstoren(z + 3 * H + j, g, n);
      vstoren(c + j, cell, n);
      vstoren(tc + j, tcell, n);
      vstoren(h + j, o * tcell, n);
    }
  }
}

/**
 * x [T·rows, in] → Hs [T·rows, H]; keeps the activated gates G [T·rows, 4H], cells C and tanh(C) for the
 * backward pass.
 */
static void lstm_forward(int rows, int T, int in, int H, const float *x, const LstmWeights *w, float *G, float *C, float *TC, float *Hs) {
  const long g4 = 4L * H, stepG = rows * g4, stepH = (long)rows * H;
  for (int t = 0; t < T; t++) {
    float *Gt = G + t * stepG;
    gemm_nn(rows, (int)g4, in, x + t * (long)rows * in, in, w->wx, Gt, g4, 1, w->b);
    if (t > 0) gemm_nn(rows, (int)g4, H, Hs + (t - 1) * stepH, H, w->wh, Gt, g4, 0, NULL);
    lstm_cell_forward(rows, H, Gt, t > 0 ? C + (t - 1) * stepH : NULL, C + t * stepH, TC + t * stepH, Hs + t * stepH);
  }
}

/** One step's dz (into G, rows × 4H) from dh and the carried f_{t+1}⊙dc_{t+1}; leaves the carry for step t−1. */
static void lstm_cell_backward(int rows, int H, float *G, const float *cPrev, const float *TC, const float *dh, float *carry, int last) {
  const long g4 = 4L * H;
  for (int r = 0; r < rows; r++) {
    float *z = G + r * g4;
    const float *tc = TC + (long)r * H, *d = dh + (long)r * H;
    const float *cp = cPrev ? cPrev + (long)r * H : NULL;
    float *car = carry + (long)r * H;
    for (int j = 0; j < H; j += 8) {
      int n = H - j < 8 ? H - j : 8;
      v8 i = vloadn(z + j, n), f = vloadn(z + H + j, n), o = vloadn(z + 2 * H + j, n), g = vloadn(z + 3 * H + j, n);
      v8 tcv = vloadn(tc + j, n), dhv = vloadn(d + j, n);
      v8 dc = dhv * o * (1.0f - tcv * tcv);
      if (!last) dc += vloadn(car + j, n);
      v8 c0 = cp ? vloadn(cp + j, n) : vsplat(0.0f);
      vstoren(z + j, dc * g * i * (1.0f - i), n);
      vstoren(z + H + j, dc * c0 * f * (1.0f - f), n);
      vstoren(z + 2 * H + j, dhv * tcv * o * (1.0f - o), n);
      vstoren(z + 3 * H + j, dc * i * (1.0f - g * g), n);
      vstoren(car + j, dc * f, n);
    }
  }
}

/**
 * The backward pass of lstm_forward. dHs [T·rows, H]: the gradient at the outputs (consumed: the recurrent term is
 * added into it). Turns G into dz, adds the weight gradients into dwx [in, 4H], dwh [H, 4H], db [4H] and writes
 * dx [T·rows, in] unless it is NULL. carry: rows × H; pack: packed_size_of(GEMM_CHUNK, 4H) floats.
 */
static void lstm_backward(int rows, int T, int in, int H, const float *x, const LstmWeights *w, float *G, const float *C, const float *TC, const float *Hs, float *dHs,
                          float *dx, float *dwx, float *dwh, float *db, float *carry, float *pack) {
  const long g4 = 4L * H, stepG = rows * g4, stepH = (long)rows * H, stepX = (long)rows * in;
  for (int t = T - 1; t >= 0; t--) {
    float *Gt = G + t * stepG, *dh = dHs + t * stepH;
    if (t < T - 1) gemm_nn(rows, H, (int)g4, G + (t + 1) * stepG, g4, w->whT, dh, H, 0, NULL);
    lstm_cell_backward(rows, H, Gt, t > 0 ? C + (t - 1) * stepH : NULL, TC + t * stepH, dh, carry, t == T - 1);
    if (dx) gemm_nn(rows, in, (int)g4, Gt, g4, w->wxT, dx + t * stepX, in, 1, NULL);
    // dWx += x_tᵀ·dz_t and dWh += h_{t−1}ᵀ·dz_t, sharing one packed copy of dz_t per chunk of rows.
    for (int r0 = 0; r0 < rows; r0 += GEMM_KC) {
      int mc = rows - r0 < GEMM_KC ? rows - r0 : GEMM_KC;
      pack_b(mc, (int)g4, Gt + r0 * g4, g4, 1, pack);
      gemm_tn_packed(mc, in, (int)g4, x + t * stepX + (long)r0 * in, in, pack, dwx, g4);
      if (t > 0) gemm_tn_packed(mc, H, (int)g4, Hs + (t - 1) * stepH + (long)r0 * H, H, pack, dwh, g4);
    }
    add_column_sums(rows, (int)g4, Gt, g4, db);
  }
}

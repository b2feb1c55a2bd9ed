// C += A·B for the shapes of a training step, single-threaded (the step is split over threads by batch slices).
// B is always read from a packed copy: panels of 16 columns, each K rows of 16 contiguous floats (the last panel
// zero-padded). Unpacked, a 16-column panel of a [K × 256] matrix sits on rows 1 KiB apart, which all fall into
// the same few L1 sets and evict each other; packed, it streams. Weights are packed once per step (pack_b) and
// shared by every thread and time step; the weight gradients pack their right-hand side in chunks of GEMM_KC rows.
// A is read through two strides, so one kernel serves x·W and xᵀ·dy. Register blocking 6×16: 12 accumulators,
// two 8-wide loads of B and one broadcast of A per pair of multiply-adds.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

#define GEMM_MR 6
#define GEMM_NR 16
/** Rows of A per block: their 6-row strips stay in L1/L2 while every panel of B passes them. */
#define GEMM_MC 96
/** Rows of a weight gradient's reduction per packed chunk: a 16 KiB panel (isa.h, GEMM_CHUNK). */
#define GEMM_KC GEMM_CHUNK

/** Packs B(k, j) = B[k·rsb + j·csb] (K × N) into panels; csb = 1 for B itself, rsb = 1 for a transposed read. */
static void pack_b(int K, int N, const float *B, long rsb, long csb, float *out) {
  for (int j0 = 0; j0 < N; j0 += GEMM_NR) {
    int n = N - j0 < GEMM_NR ? N - j0 : GEMM_NR;
    for (int k = 0; k < K; k++) {
      const float *src = B + k * rsb + j0 * csb;
      float *dst = out + k * GEMM_NR;
      if (csb == 1) {
        vstore(dst, vloadn(src, n < 8 ? n : 8));
        vstore(dst + 8, n > 8 ? vloadn(src + 8, n - 8) : vsplat(0.0f));
      } else {
        int j = 0;
        for (; j < n; j++) dst[j] = src[j * csb];
        for (; j < GEMM_NR; j++) dst[j] = 0.0f;
      }
    }
    out += (long)K * GEMM_NR;
  }
}

/**
 * What happens to a tile of C on its way out of the registers, so that no second pass reads it again: a ReLU
 * (max(0, ·)), or the ReLU's backward (0 where `gate`, laid out like C, is ≤ 0).
 */
typedef struct {
  int relu;
  const float *gate;
} Epilogue;

static const Epilogue NO_EPILOGUE = {0, NULL};

/**
 * C[mr × n] (+)= A[mr × kc]·panel, n ≤ 16; mr and n are constants after inlining (n = 16 in the main loop).
 * With `overwrite`, C is not read: the accumulators start from `bias` (n values, or zeros when NULL). Not reading
 * C saves a wait on memory for every tile of a large output. `G`: the tile's gate (Epilogue), or NULL.
 */
static inline __attribute__((always_inline)) void micro(int mr, int n, int kc, const float *A, long rsa, long csa, const float *P, float *C, long ldc, int overwrite,
                                                        const float *bias, int relu, const float *G) {
  v8 c0[GEMM_MR], c1[GEMM_MR];
  const int n0 = n < 8 ? n : 8, n1 = n - 8;
  if (overwrite) {
    v8 b0 = bias ? vloadn(bias, n0) : vsplat(0.0f), b1 = bias && n1 > 0 ? vloadn(bias + 8, n1) : vsplat(0.0f);
    for (int r = 0; r < mr; r++) c0[r] = b0, c1[r] = b1;
  } else {
    for (int r = 0; r < mr; r++) {
      c0[r] = vloadn(C + r * ldc, n0);
      c1[r] = n1 > 0 ? vloadn(C + r * ldc + 8, n1) : vsplat(0.0f);
    }
  }
  for (int k = 0; k < kc; k++) {
    v8 b0 = vload(P + k * GEMM_NR), b1 = vload(P + k * GEMM_NR + 8);
    const float *a = A + k * csa;
    for (int r = 0; r < mr; r++) {
      float ar = a[r * rsa];
      c0[r] += ar * b0;
      c1[r] += ar * b1;
    }
  }
  for (int r = 0; r < mr; r++) {
    if (relu) c0[r] = vmax(c0[r], vsplat(0.0f)), c1[r] = vmax(c1[r], vsplat(0.0f));
    if (G) {
      c0[r] = vselect(vloadn(G + r * ldc, n0) > 0.0f, c0[r], vsplat(0.0f));
      if (n1 > 0) c1[r] = vselect(vloadn(G + r * ldc + 8, n1) > 0.0f, c1[r], vsplat(0.0f));
    }
    vstoren(C + r * ldc, c0[r], n0);
    if (n1 > 0) vstoren(C + r * ldc + 8, c1[r], n1);
  }
}

#define DISPATCH_MR(mr, call) \
  switch (mr) {               \
    case 6: call(6); break;   \
    case 5: call(5); break;   \
    case 4: call(4); break;   \
    case 3: call(3); break;   \
    case 2: call(2); break;   \
    default: call(1); break;  \
  }

/**
 * C[M×N] += A·B with B packed (pack_b of its K × N), A(i, k) = A[i·rsa + k·csa], C(i, j) = C[i·ldc + j].
 * Row-major A: rsa = lda, csa = 1; A read transposed (A stored [K × M]): rsa = 1, csa = lda.
 * overwrite: C = bias + A·B instead (bias: a row of N, or NULL for zeros), C not read. `e` applies on the way out.
 */
static void gemm_packed(int M, int N, int K, const float *A, long rsa, long csa, const float *Bp, float *C, long ldc, int overwrite, const float *bias, Epilogue e) {
  for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
    int iEnd = M - i0 < GEMM_MC ? M : i0 + GEMM_MC;
    const float *P = Bp;
    for (int j = 0; j < N; j += GEMM_NR, P += (long)K * GEMM_NR) {
      int n = N - j < GEMM_NR ? N - j : GEMM_NR;
      const float *bj = bias ? bias + j : NULL;
      for (int i = i0; i < iEnd; i += GEMM_MR) {
        int mr = iEnd - i < GEMM_MR ? iEnd - i : GEMM_MR;
        const float *Ai = A + i * rsa, *Gi = e.gate ? e.gate + i * ldc + j : NULL;
        float *Ci = C + i * ldc + j;
        if (n == GEMM_NR && overwrite) {
#define FULL_NEW(R) micro(R, GEMM_NR, K, Ai, rsa, csa, P, Ci, ldc, 1, bj, e.relu, Gi)
          DISPATCH_MR(mr, FULL_NEW)
#undef FULL_NEW
        } else if (n == GEMM_NR) {
#define FULL_ADD(R) micro(R, GEMM_NR, K, Ai, rsa, csa, P, Ci, ldc, 0, NULL, e.relu, Gi)
          DISPATCH_MR(mr, FULL_ADD)
#undef FULL_ADD
        } else {
#define TAIL(R) micro(R, n, K, Ai, rsa, csa, P, Ci, ldc, overwrite, bj, e.relu, Gi)
          DISPATCH_MR(mr, TAIL)
#undef TAIL
        }
      }
    }
  }
}

/** C (+)= X[M×K]·W with X row-major (row stride ldx) and W packed; see gemm_packed for overwrite and bias. */
static inline void gemm_nn(int M, int N, int K, const float *X, long ldx, const float *Wp, float *C, long ldc, int overwrite, const float *bias) {
  gemm_packed(M, N, K, X, ldx, 1, Wp, C, ldc, overwrite, bias, NO_EPILOGUE);
}

/** C = relu(bias + X·W): a dense layer and its activation in one pass over C. */
static inline void gemm_nn_relu(int M, int N, int K, const float *X, long ldx, const float *Wp, float *C, long ldc, const float *bias) {
  gemm_packed(M, N, K, X, ldx, 1, Wp, C, ldc, 1, bias, (Epilogue){1, NULL});
}

/** C = (X·W) ⊙ [out > 0]: the gradient through a ReLU whose outputs `out` (laid out like C) the forward kept. */
static inline void gemm_nn_relu_backward(int M, int N, int K, const float *X, long ldx, const float *Wp, float *C, long ldc, const float *out) {
  gemm_packed(M, N, K, X, ldx, 1, Wp, C, ldc, 1, NULL, (Epilogue){0, out});
}

/** Xᵀ·Dp added into C[K×N]: the sum over M rows of X[M×K] and of D, packed (a chunk of a weight gradient). */
static inline void gemm_tn_packed(int M, int K, int N, const float *X, long ldx, const float *Dp, float *C, long ldc) {
  gemm_packed(K, N, M, X, 1, ldx, Dp, C, ldc, 0, NULL, NO_EPILOGUE);
}

/** Xᵀ·D added into C[K×N] over all M rows (a weight gradient), D packed chunk by chunk into `pack`. */
static void gemm_tn(long M, int K, int N, const float *X, long ldx, const float *D, long ldd, float *C, long ldc, float *pack) {
  for (long m0 = 0; m0 < M; m0 += GEMM_KC) {
    int mc = M - m0 < GEMM_KC ? (int)(M - m0) : GEMM_KC;
    pack_b(mc, N, D + m0 * ldd, ldd, 1, pack);
    gemm_tn_packed(mc, K, N, X + m0 * ldx, ldx, pack, C, ldc);
  }
}

/** Adds the column sums of rows × n values into sum (a bias gradient). */
static void add_column_sums(long rows, int n, const float *x, long ldx, float *sum) {
  for (long r = 0; r < rows; r++)
    for (int j = 0; j < n; j += 8) {
      int w = n - j < 8 ? n - j : 8;
      vstoren(sum + j, vloadn(sum + j, w) + vloadn(x + r * ldx + j, w), w);
    }
}

// The kernels that exist once per instruction set: each isa*.c unit compiles the same sources (isaKernels.h lists
// them: the matrix products, the models' layers, losses and optimizer) for its target, and the engine picks one table when
// it loads (engine.c: AVX2+FMA where the CPU has them, else the generic build; SKIPTRAIN_NATIVE_ISA=generic forces
// the latter, which tests use to check both).
#ifndef SKIPTRAIN_ISA_H
#define SKIPTRAIN_ISA_H
#include "model.h"

typedef struct {
  float lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, correction1, correction2, epsilon, decayLr;
  /** The clipping factor the gradient is multiplied by. */
  float scale;
} AdamArgs;

typedef struct {
  const char *name;
  /** Forward and loss of a slice (the gradient at the heads stays in ws), then its backward into grads. */
  /** `timing` (PHASES milliseconds, or NULL) adds the time of the slice's encoder, recurrence and loss phases. */
  void (*sliceForward)(const Net *net, const float *params, const Slice *s, const PassOptions *o, Workspace *ws, SliceLoss *loss, double *timing);
  void (*sliceBackward)(const Net *net, const float *params, const Slice *s, const PassOptions *o, Workspace *ws, float *grads, double *timing);
  void (*sliceLogits)(const Net *net, const float *params, const Slice *s, Workspace *ws, float *logits);
  void (*adamUpdate)(const AdamArgs *a, float *p, const float *g, float *m, float *v, long n, int decay);
  void (*sumInto)(float *dst, const float *src, long n);
  double (*sumSquares)(const float *x, long n);
  /** x[n] ⊙= the dropout mask of elements first … first + n − 1 of a site (dropout.c). */
  void (*dropoutApply)(float *x, long n, uint32_t first, uint32_t seed, uint32_t threshold, float scale);
  /** Packs B(k, j) = B[k·rsb + j·csb], K × N, for the matrix products (gemm.c). */
  void (*packB)(int K, int N, const float *B, long rsb, long csb, float *out);
} Isa;

/** Rows of a weight gradient's reduction per packed chunk (GEMM_KC in gemm.c). */
#define GEMM_CHUNK 256
/** Floats a packed copy of a K × N matrix takes (16-column panels). */
static inline long packed_size_of(int K, int N) { return (long)K * ((N + 15) / 16) * 16; }

/** NULL where the build has no AVX2 unit (not x86). */
const Isa *isa_avx2(void);
const Isa *isa_generic(void);
#endif

// The engine behind engine.h. A training step is three rounds on the thread pool:
//   1. every thread runs forward, loss and backward on its slice of the batch (its own gradient vector);
//   2. every thread adds up one range of the gradient vectors (slice order, so the sum is the same on every run
//      for a given thread count), scatters the embedding rows of its range of table buckets, and sums squares;
//   3. after the global norm is known, every thread clips and takes the Adam step on its range.
// The embedding table's gradient lives in one dense buffer that is only ever non-zero on the rows of the current
// batch: they are recorded while scattering and zeroed again after the update.
#include "engine.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "isa.h"
#include "pool.h"

#define MAX_TENSORS (4 + 3 * MAX_LAYERS + 2)

typedef struct {
  long param, grad, size;
  int decay;
} Segment;

struct Engine {
  Net net;
  int threads;
  const Isa *isa;
  Pool *pool;
  Workspace *ws;
  float **grads;
  SliceLoss *losses;
  Slice *slices;
  double *partial;
  int nseg;
  Segment seg[MAX_TENSORS]; // every tensor but the table
  long tableOffset, tableSize;
  int tableDecay;
  float *stacked; // input.w stacked on track.w, before packing
  float *tableGrad;
  uint32_t *mark;
  uint32_t stamp;
  int32_t **touched;
  long *nTouched;
  long touchedCapacity;
  int failed;
  /** Milliseconds spent per phase since the last engine_phases (thread 0's share of the parallel rounds). */
  double phaseMs[PHASES];
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* ---- set-up ---- */

static void ws_free(Workspace *w) {
  float **all[] = {&w->xe, &w->a0, &w->out, &w->dout, &w->dA, &w->dB, &w->dEmb, &w->carry, &w->pack};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    free(*all[i]);
    *all[i] = NULL;
  }
  free(w->keysT);
  w->keysT = NULL;
  for (int l = 0; l < MAX_LAYERS; l++) {
    free(w->in[l]), free(w->G[l]), free(w->C[l]), free(w->TC[l]), free(w->Hs[l]);
    w->in[l] = w->G[l] = w->C[l] = w->TC[l] = w->Hs[l] = NULL;
  }
  w->capacity = 0;
  w->rowsCapacity = 0;
}

/** The widest right-hand side a weight gradient packs: the gates (4H), or the model's other widths. */
static int widest(const Shape *s) {
  int w = 4 * s->hidden;
  return w > OUT_STRIDE ? w : OUT_STRIDE;
}

/** Scratch for `rows` sequences of T positions; 0, or −1 when out of memory. */
static int ws_reserve(Workspace *w, const Shape *s, int rows, int T) {
  long N = (long)rows * T;
  if (N <= w->capacity && rows <= w->rowsCapacity) return 0;
  ws_free(w);
  const long H = s->hidden, E = s->buckets > 0 ? s->embed : 0;
#define ALLOC(p, n) (((p) = malloc(sizeof(float) * (size_t)((n) > 0 ? (n) : 1))) != NULL)
  int ok = ALLOC(w->xe, N * (s->features + E)) && (w->keysT = malloc(sizeof(int32_t) * (size_t)N)) != NULL && ALLOC(w->a0, N * H) && ALLOC(w->out, N * OUT_STRIDE) && ALLOC(w->dout, N * OUT_STRIDE) &&
           ALLOC(w->dA, N * H) && ALLOC(w->dB, N * H) && ALLOC(w->dEmb, N * E) && ALLOC(w->carry, (long)rows * H) && ALLOC(w->pack, packed_size_of(GEMM_CHUNK, widest(s)));
  for (int l = 0; ok && l < s->layers; l++) {
    ok = (l == 0 || ALLOC(w->in[l], N * H)) && ALLOC(w->G[l], N * 4 * H) && ALLOC(w->C[l], N * H) && ALLOC(w->TC[l], N * H) && ALLOC(w->Hs[l], N * H);
  }
#undef ALLOC
  if (!ok) {
    ws_free(w);
    return -1;
  }
  w->capacity = N;
  w->rowsCapacity = rows;
  return 0;
}

static const Isa *choose_isa(const char **error) {
  const char *asked = getenv("SKIPTRAIN_NATIVE_ISA");
  int avx2 = 0;
#if defined(__x86_64__) || defined(__i386__)
  avx2 = isa_avx2() != NULL && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  if (asked && *asked && strcmp(asked, "auto") != 0) {
    if (strcmp(asked, "generic") == 0) return isa_generic();
    if (strcmp(asked, "avx2") == 0) {
      if (avx2) return isa_avx2();
      *error = "SKIPTRAIN_NATIVE_ISA=avx2, but this CPU (or build) has no AVX2+FMA";
      return NULL;
    }
    *error = "SKIPTRAIN_NATIVE_ISA must be auto, avx2 or generic";
    return NULL;
  }
  return avx2 ? isa_avx2() : isa_generic();
}

/** Offsets and sizes of the tensors in engine.h's order; checks they tile [0, total) exactly. */
static int build_segments(Engine *e, const unsigned char *decay, const char **error) {
  const Shape *s = &e->net.s;
  const Layout *p = &e->net.params;
  const long F = s->features, H = s->hidden, O = s->outputs, E = s->embed;
  long offsets[MAX_TENSORS], sizes[MAX_TENSORS];
  int n = 0;
#define TENSOR(off, size) (offsets[n] = (off), sizes[n] = (size), n++)
  TENSOR(p->inputW, F * H);
  TENSOR(p->inputB, H);
  TENSOR(s->buckets > 0 ? p->trackTable : -1, (long)s->buckets * E);
  TENSOR(s->buckets > 0 ? p->trackW : -1, E * H);
  for (int l = 0; l < s->layers; l++) {
    TENSOR(p->wx[l], H * 4 * H);
    TENSOR(p->wh[l], H * 4 * H);
    TENSOR(p->b[l], 4 * H);
  }
  TENSOR(p->headW, H * O);
  TENSOR(p->headB, O);
#undef TENSOR
  long covered = 0;
  for (int i = 0; i < n; i++) {
    if (offsets[i] < 0) continue;
    if (offsets[i] + sizes[i] > p->total) {
      *error = "a tensor lies past the end of the parameter vector";
      return -1;
    }
    covered += sizes[i];
  }
  if (covered != p->total) {
    *error = "the tensor sizes do not add up to the parameter vector's length";
    return -1;
  }
  e->tableOffset = s->buckets > 0 ? p->trackTable : -1;
  e->tableSize = s->buckets > 0 ? (long)s->buckets * E : 0;
  e->tableDecay = decay[2];
  Layout *g = &e->net.grads;
  long *gradField[MAX_TENSORS];
  int k = 0;
  gradField[k++] = &g->inputW;
  gradField[k++] = &g->inputB;
  gradField[k++] = &g->trackTable;
  gradField[k++] = &g->trackW;
  for (int l = 0; l < s->layers; l++) {
    gradField[k++] = &g->wx[l];
    gradField[k++] = &g->wh[l];
    gradField[k++] = &g->b[l];
  }
  gradField[k++] = &g->headW;
  gradField[k++] = &g->headB;
  e->nseg = 0;
  for (int i = 0; i < n; i++) {
    if (offsets[i] < 0 || i == 2) {
      *gradField[i] = -1;
      continue;
    }
    long gradOffset = offsets[i] - (e->tableOffset >= 0 && offsets[i] > e->tableOffset ? e->tableSize : 0);
    *gradField[i] = gradOffset;
    e->seg[e->nseg++] = (Segment){offsets[i], gradOffset, sizes[i], decay[i]};
  }
  g->total = p->total - e->tableSize;
  return 0;
}

void engine_destroy(Engine *e) {
  if (!e) return;
  if (e->pool) pool_destroy(e->pool);
  for (int k = 0; k < e->threads; k++) {
    if (e->ws) ws_free(&e->ws[k]);
    if (e->grads) free(e->grads[k]);
    if (e->touched) free(e->touched[k]);
  }
  free(e->ws), free(e->grads), free(e->touched), free(e->nTouched), free(e->losses), free(e->slices), free(e->partial);
  free(e->tableGrad), free(e->mark);
  for (int l = 0; l < MAX_LAYERS; l++) free(e->net.wx[l]), free(e->net.wh[l]), free(e->net.wxT[l]), free(e->net.whT[l]);
  free(e->net.encoderW), free(e->net.trackWT), free(e->net.headW), free(e->net.headWT), free(e->stacked);
  free(e);
}

Engine *engine_create(const Shape *shape, const Layout *params, const unsigned char *decay, int threads, const char **error) {
  *error = NULL;
  if (shape->layers < 1 || shape->layers > MAX_LAYERS || shape->hidden < 1 || shape->features < 1 || (shape->outputs != 1 && shape->outputs != 5) ||
      (shape->buckets > 0 && shape->embed < 1) || threads < 1) {
    *error = "unsupported model shape";
    return NULL;
  }
  const Isa *isa = choose_isa(error);
  if (!isa) return NULL;
  Engine *e = calloc(1, sizeof *e);
  if (!e) goto oom;
  e->net.s = *shape;
  e->net.params = *params;
  e->isa = isa;
  e->threads = threads;
  if (build_segments(e, decay, error) != 0) {
    engine_destroy(e);
    return NULL;
  }
  const long H = shape->hidden, E = shape->embed;
  int ok = (e->ws = calloc(threads, sizeof *e->ws)) && (e->grads = calloc(threads, sizeof *e->grads)) && (e->touched = calloc(threads, sizeof *e->touched)) &&
           (e->nTouched = calloc(threads, sizeof *e->nTouched)) && (e->losses = calloc(threads, sizeof *e->losses)) && (e->slices = calloc(threads, sizeof *e->slices)) &&
           (e->partial = calloc(threads, sizeof *e->partial));
  for (int k = 0; ok && k < threads; k++) ok = (e->grads[k] = malloc(sizeof(float) * (size_t)e->net.grads.total)) != NULL;
  const long F = shape->features, Ek = shape->buckets > 0 ? E : 0, O = shape->outputs;
#define PACKED(p, K, N) (((p) = malloc(sizeof(float) * (size_t)packed_size_of((int)(K), (int)(N)))) != NULL)
  for (int l = 0; ok && l < shape->layers; l++)
    ok = PACKED(e->net.wx[l], H, 4 * H) && PACKED(e->net.wh[l], H, 4 * H) && PACKED(e->net.wxT[l], 4 * H, H) && PACKED(e->net.whT[l], 4 * H, H);
  ok = ok && PACKED(e->net.encoderW, F + Ek, H) && PACKED(e->net.headW, H, O) && PACKED(e->net.headWT, O, H) && (e->stacked = malloc(sizeof(float) * (size_t)((F + Ek) * H)));
  if (ok && shape->buckets > 0) {
    ok = PACKED(e->net.trackWT, H, E) && (e->tableGrad = calloc((size_t)e->tableSize, sizeof(float))) && (e->mark = calloc((size_t)shape->buckets, sizeof(uint32_t)));
  }
#undef PACKED
  if (!ok) goto oom;
  e->pool = pool_create(threads);
  if (!e->pool) {
    *error = "could not start the engine's threads";
    engine_destroy(e);
    return NULL;
  }
  return e;
oom:
  *error = "out of memory";
  engine_destroy(e);
  return NULL;
}

const char *engine_isa(const Engine *e) { return e->isa->name; }
const Shape *engine_shape(const Engine *e) { return &e->net.s; }
long engine_parameters(const Engine *e) { return e->net.params.total; }

/* ---- per step ---- */

/** The packed weight copies every thread reads in this step (gemm.c: pack_b). */
static void prepare_weights(Engine *e, const float *p) {
  Net *n = &e->net;
  const Isa *isa = e->isa;
  const int H = n->s.hidden, O = n->s.outputs, F = n->s.features, E = n->s.buckets > 0 ? n->s.embed : 0;
  for (int l = 0; l < n->s.layers; l++) {
    const float *wx = p + n->params.wx[l], *wh = p + n->params.wh[l];
    isa->packB(H, 4 * H, wx, 4 * H, 1, n->wx[l]);
    isa->packB(H, 4 * H, wh, 4 * H, 1, n->wh[l]);
    isa->packB(4 * H, H, wx, 1, 4 * H, n->wxT[l]);
    isa->packB(4 * H, H, wh, 1, 4 * H, n->whT[l]);
  }
  memcpy(e->stacked, p + n->params.inputW, sizeof(float) * (size_t)F * H);
  if (E) {
    memcpy(e->stacked + (long)F * H, p + n->params.trackW, sizeof(float) * (size_t)E * H);
    isa->packB(H, E, p + n->params.trackW, 1, H, n->trackWT);
  }
  isa->packB(F + E, H, e->stacked, H, 1, n->encoderW);
  isa->packB(H, O, p + n->params.headW, O, 1, n->headW);
  isa->packB(O, H, p + n->params.headW, 1, O, n->headWT);
}

/** Thread k's sequences: an even split, the first slices one longer when it does not divide. */
static void make_slices(Engine *e, const BatchArgs *b) {
  for (int k = 0; k < e->threads; k++) {
    int start = (int)((long)b->size * k / e->threads), end = (int)((long)b->size * (k + 1) / e->threads);
    long at = (long)start * b->seqLen;
    e->slices[k] = (Slice){
        .rows = end - start,
        .T = b->seqLen,
        .rowOffset = start,
        .inputs = b->inputs + at * e->net.s.features,
        .keys = b->keys + at,
        .labels = b->labels ? b->labels + at : NULL,
        .auxLabels = b->auxLabels ? b->auxLabels + at * 4 : NULL,
        .weights = b->weights ? b->weights + at : NULL,
        .scored = b->scored ? b->scored + at : NULL,
    };
    e->losses[k] = (SliceLoss){0, 0, 0};
  }
}

typedef struct {
  Engine *e;
  const float *params;
  float *mutableParams, *m, *v;
  const PassOptions *pass;
  AdamArgs adam;
  float *logits;
} Job;

/** Thread k's scratch for its slice; 0 (and the step marked failed) when memory runs out. */
static int reserve(Engine *e, int k) {
  if (ws_reserve(&e->ws[k], &e->net.s, e->slices[k].rows, e->slices[k].T) == 0) return 1;
  e->failed = 1;
  return 0;
}

static void task_gradients(void *arg, int k, int threads) {
  (void)threads;
  Job *j = arg;
  Engine *e = j->e;
  const Slice *s = &e->slices[k];
  if (!reserve(e, k)) return;
  double *timing = k == 0 ? e->phaseMs : NULL;
  e->isa->sliceForward(&e->net, j->params, s, j->pass, &e->ws[k], &e->losses[k], timing);
  e->isa->sliceBackward(&e->net, j->params, s, j->pass, &e->ws[k], e->grads[k], timing);
}

static void range_of(long total, int k, int n, long *lo, long *hi) {
  *lo = total * k / n;
  *hi = total * (k + 1) / n;
}

/** Sum of the slices' gradients on range k, the scattered embedding rows of bucket range k, their squares. */
static void task_reduce(void *arg, int k, int n) {
  Job *j = arg;
  Engine *e = j->e;
  long lo, hi;
  range_of(e->net.grads.total, k, n, &lo, &hi);
  float *sum = e->grads[0];
  for (int t = 1; t < e->threads; t++) e->isa->sumInto(sum + lo, e->grads[t] + lo, hi - lo);
  double squares = e->isa->sumSquares(sum + lo, hi - lo);
  e->nTouched[k] = 0;
  if (e->tableSize > 0) {
    const int E = e->net.s.embed, buckets = e->net.s.buckets;
    long blo, bhi;
    range_of(buckets, k, n, &blo, &bhi);
    int32_t *touched = e->touched[k];
    long count = 0;
    for (int t = 0; t < e->threads; t++) {
      const Slice *s = &e->slices[t];
      const long N = (long)s->rows * s->T;
      const float *dEmb = e->ws[t].dEmb;
      const int32_t *keys = e->ws[t].keysT; // dEmb's rows are time-major
      for (long r = 0; r < N; r++) {
        int32_t key = keys[r];
        if (key < 0) continue;
        long bucket = key % buckets;
        if (bucket < blo || bucket >= bhi) continue;
        if (e->mark[bucket] != e->stamp) {
          e->mark[bucket] = e->stamp;
          touched[count++] = (int32_t)bucket;
        }
        e->isa->sumInto(e->tableGrad + bucket * E, dEmb + r * E, E);
      }
    }
    e->nTouched[k] = count;
    for (long i = 0; i < count; i++) squares += e->isa->sumSquares(e->tableGrad + (long)touched[i] * E, E);
  }
  e->partial[k] = squares;
}

/** Clip and update range k of the dense tensors and of the table; zero the table rows this range touched. */
static void task_adam(void *arg, int k, int n) {
  Job *j = arg;
  Engine *e = j->e;
  long lo, hi;
  range_of(e->net.grads.total, k, n, &lo, &hi);
  const float *g = e->grads[0];
  for (int i = 0; i < e->nseg; i++) {
    const Segment *sg = &e->seg[i];
    long a = sg->grad > lo ? sg->grad : lo, b = sg->grad + sg->size < hi ? sg->grad + sg->size : hi;
    if (a >= b) continue;
    long at = sg->param + (a - sg->grad);
    e->isa->adamUpdate(&j->adam, j->mutableParams + at, g + a, j->m + at, j->v + at, b - a, sg->decay);
  }
  if (e->tableSize > 0) {
    const long E = e->net.s.embed;
    float *p = j->mutableParams + e->tableOffset, *m = j->m + e->tableOffset, *v = j->v + e->tableOffset;
    const int32_t *touched = e->touched[k];
    // Dense Adam: every row moves (momentum), the batch's rows with their gradient.
    long blo, bhi;
    range_of(e->net.s.buckets, k, n, &blo, &bhi);
    e->isa->adamUpdate(&j->adam, p + blo * E, e->tableGrad + blo * E, m + blo * E, v + blo * E, (bhi - blo) * E, e->tableDecay);
    for (long i = 0; i < e->nTouched[k]; i++) memset(e->tableGrad + (long)touched[i] * E, 0, sizeof(float) * (size_t)E);
  }
}

static void task_logits(void *arg, int k, int threads) {
  (void)threads;
  Job *j = arg;
  Engine *e = j->e;
  const Slice *s = &e->slices[k];
  if (!reserve(e, k)) return;
  e->isa->sliceLogits(&e->net, j->params, s, &e->ws[k], j->logits + (long)s->rowOffset * s->T);
}

/** Rounds 1 and 2: the batch's gradient, summed into grads[0] and the table buffer; returns the squared norm. */
static int gradient_rounds(Engine *e, Job *job, const BatchArgs *b, StepStats *out, double *squares) {
  if (e->tableSize > 0) {
    // A range touches at most one bucket per position of the batch.
    const long N = (long)b->size * b->seqLen, need = N < e->net.s.buckets ? N : e->net.s.buckets;
    if (need > e->touchedCapacity) {
      for (int k = 0; k < e->threads; k++) {
        free(e->touched[k]);
        e->touched[k] = malloc(sizeof(int32_t) * (size_t)need);
        if (!e->touched[k]) {
          e->touchedCapacity = 0;
          return -1;
        }
      }
      e->touchedCapacity = need;
    }
    if (++e->stamp == 0) {
      memset(e->mark, 0, sizeof(uint32_t) * (size_t)e->net.s.buckets);
      e->stamp = 1;
    }
  }
  double t0 = now_ms();
  prepare_weights(e, job->params);
  make_slices(e, b);
  e->failed = 0;
  double t1 = now_ms();
  pool_run(e->pool, task_gradients, job);
  if (e->failed) return -1;
  double t2 = now_ms();
  pool_run(e->pool, task_reduce, job);
  e->phaseMs[PHASE_PACK] += t1 - t0;
  e->phaseMs[PHASE_REDUCE] += now_ms() - t2;
  *out = (StepStats){0, 0, 0, 0};
  *squares = 0;
  for (int k = 0; k < e->threads; k++) {
    out->loss += e->losses[k].loss;
    out->correct += e->losses[k].correct;
    out->count += e->losses[k].count;
    *squares += e->partial[k];
  }
  out->gradNorm = sqrt(*squares);
  return 0;
}

int engine_step(Engine *e, float *params, float *m, float *v, const BatchArgs *b, const PassOptions *pass, const OptimizerArgs *opt, StepStats *out) {
  Job job = {.e = e, .params = params, .mutableParams = params, .m = m, .v = v, .pass = pass};
  double squares;
  if (gradient_rounds(e, &job, b, out, &squares) != 0) return -1;
  // As train/optimizer.ts: scale = maxNorm / (norm + 1e-6) when the norm is above maxNorm, in float32.
  const float norm = (float)out->gradNorm;
  const float scale = opt->clipNorm > 0 && norm > opt->clipNorm ? opt->clipNorm / (norm + 1e-6f) : 1.0f;
  job.adam = (AdamArgs){
      .lr = opt->lr,
      .beta1 = opt->beta1,
      .beta2 = opt->beta2,
      .oneMinusBeta1 = (float)(1.0 - (double)opt->beta1),
      .oneMinusBeta2 = (float)(1.0 - (double)opt->beta2),
      .correction1 = (float)(1.0 - pow((double)opt->beta1, opt->step)),
      .correction2 = (float)(1.0 - pow((double)opt->beta2, opt->step)),
      .epsilon = opt->epsilon,
      .decayLr = (float)((double)opt->lr * opt->weightDecay),
      .scale = scale,
  };
  double t0 = now_ms();
  pool_run(e->pool, task_adam, &job);
  e->phaseMs[PHASE_OPTIMIZER] += now_ms() - t0;
  return 0;
}

int engine_gradients(Engine *e, const float *params, const BatchArgs *b, const PassOptions *pass, float *grads, StepStats *out) {
  Job job = {.e = e, .params = params, .pass = pass};
  double squares;
  if (gradient_rounds(e, &job, b, out, &squares) != 0) return -1;
  for (int i = 0; i < e->nseg; i++) memcpy(grads + e->seg[i].param, e->grads[0] + e->seg[i].grad, sizeof(float) * (size_t)e->seg[i].size);
  if (e->tableSize > 0) {
    const long E = e->net.s.embed;
    memset(grads + e->tableOffset, 0, sizeof(float) * (size_t)e->tableSize);
    for (int k = 0; k < e->threads; k++)
      for (long i = 0; i < e->nTouched[k]; i++) {
        long row = (long)e->touched[k][i] * E;
        memcpy(grads + e->tableOffset + row, e->tableGrad + row, sizeof(float) * (size_t)E);
        memset(e->tableGrad + row, 0, sizeof(float) * (size_t)E);
      }
  }
  return 0;
}

int engine_logits(Engine *e, const float *params, const BatchArgs *b, float *logits) {
  Job job = {.e = e, .params = params, .logits = logits};
  prepare_weights(e, params);
  make_slices(e, b);
  e->failed = 0;
  pool_run(e->pool, task_logits, &job);
  return e->failed ? -1 : 0;
}

void engine_dropout(const Engine *e, float *x, long n, uint32_t first, uint32_t seed, uint32_t threshold, float scale) {
  e->isa->dropoutApply(x, n, first, seed, threshold, scale);
}

void engine_phases(Engine *e, double *ms) {
  memcpy(ms, e->phaseMs, sizeof e->phaseMs);
  memset(e->phaseMs, 0, sizeof e->phaseMs);
}

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

#define MAX_TENSORS (9 + 12 * MAX_LAYERS) // the Transformer's: more per layer than a recurrent model's

/** A tensor in the engine's order: its kind (model.h) and layer. */
typedef struct {
  int kind, layer;
} TensorRef;

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
  int ntensors;
  TensorRef order[MAX_TENSORS];
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

/* ---- the models' tensors ---- */

/** The tensors in the engine's order, which is the models' own creation order (engine.h). */
static int tensor_order(const Shape *s, TensorRef *out) {
  int n = 0;
#define ADD(k, l) (out[n++] = (TensorRef){(k), (l)})
  ADD(T_INPUT_W, 0), ADD(T_INPUT_B, 0), ADD(T_TRACK_TABLE, 0), ADD(T_TRACK_W, 0);
  if (s->kind == MODEL_LSTM) {
    for (int l = 0; l < s->layers; l++) {
      ADD(T_WX, l), ADD(T_WH, l), ADD(T_B, l);
      if (s->cell == CELL_GRU) ADD(T_BH, l);
    }
  } else {
    ADD(T_POSITION, 0);
    static const int perLayer[] = {T_LN1G, T_LN1B, T_WQKV, T_BQKV, T_WO, T_BO, T_LN2G, T_LN2B, T_W1, T_B1, T_W2, T_B2};
    for (int l = 0; l < s->layers; l++)
      for (size_t i = 0; i < sizeof perLayer / sizeof *perLayer; i++) ADD(perLayer[i], l);
    ADD(T_FINAL_G, 0), ADD(T_FINAL_B, 0);
  }
  ADD(T_HEAD_W, 0), ADD(T_HEAD_B, 0);
#undef ADD
  return n;
}

/** A tensor's rows and columns (vectors: 1 row), as src/models creates it. */
static void tensor_dims(const Shape *s, int kind, long *rows, long *cols) {
  const long F = s->features, H = s->hidden, E = s->embed, O = s->outputs, ff = s->ff;
  long r = 1, c = H;
  switch (kind) {
    case T_INPUT_W: r = F; break;
    case T_TRACK_TABLE: r = s->buckets, c = E; break;
    case T_TRACK_W: r = E; break;
    case T_HEAD_W: r = H, c = O; break;
    case T_HEAD_B: c = O; break;
    case T_WX: case T_WH: r = H, c = cell_gates(s) * H; break;
    case T_B: case T_BH: c = cell_gates(s) * H; break;
    case T_POSITION: r = s->maxLen; break;
    case T_WQKV: r = H, c = 3 * H; break;
    case T_BQKV: c = 3 * H; break;
    case T_WO: r = H; break;
    case T_W1: r = H, c = ff; break;
    case T_B1: c = ff; break;
    case T_W2: r = ff; break;
    default: break; // H-wide vectors: biases and layer-norm gains
  }
  *rows = r, *cols = c;
}

/** Weights the products read as x·W and, in the backward pass, dy·Wᵀ: packed both ways every step. */
static int packed_both_ways(int kind) {
  return kind == T_WX || kind == T_WH || kind == T_WQKV || kind == T_WO || kind == T_W1 || kind == T_W2 || kind == T_HEAD_W;
}

/* ---- set-up ---- */

static void ws_free(Workspace *w) {
  float **all[] = {&w->xe, &w->a0, &w->out, &w->dout, &w->dA, &w->dB, &w->dEmb, &w->carry, &w->step, &w->pack, &w->hF, &w->xhatF, &w->rF, &w->yF, &w->tmp, &w->dY, &w->dQKV, &w->dMerged, &w->dHid};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    free(*all[i]);
    *all[i] = NULL;
  }
  free(w->keys);
  w->keys = NULL;
  for (int l = 0; l < MAX_LAYERS; l++) {
    RecurrentLayerScratch *a = &w->rnn[l];
    free(a->in), free(a->G), free(a->Hs), free(a->C), free(a->TC), free(a->HN);
    TransformerLayerScratch *t = &w->tf[l];
    float **tf[] = {&t->h, &t->xhat1, &t->r1, &t->y1, &t->qkv, &t->P, &t->merged, &t->h1, &t->xhat2, &t->r2, &t->y2, &t->hid};
    for (size_t i = 0; i < sizeof tf / sizeof *tf; i++) free(*tf[i]);
  }
  memset(w, 0, sizeof *w);
}

/** The widest right-hand side a weight gradient packs: the gates (4H or 3H), the qkv rows (3H), the feed-forward width. */
static int widest(const Shape *s) {
  int w = (s->kind == MODEL_LSTM ? cell_gates(s) : 3) * s->hidden;
  if (s->kind == MODEL_TRANSFORMER && s->ff > w) w = s->ff;
  return w > OUT_STRIDE ? w : OUT_STRIDE;
}

/** Scratch for `rows` sequences of T positions; 0, or −1 when out of memory. */
static int ws_reserve(Workspace *w, const Shape *s, int rows, int T) {
  long N = (long)rows * T;
  if (N <= w->capacity && rows <= w->rowsCapacity) return 0;
  ws_free(w);
  const long H = s->hidden, E = s->buckets > 0 ? s->embed : 0, ff = s->ff;
#define ALLOC(p, n) (((p) = malloc(sizeof(float) * (size_t)((n) > 0 ? (n) : 1))) != NULL)
  int ok = ALLOC(w->xe, N * (s->features + E)) && (w->keys = malloc(sizeof(int32_t) * (size_t)N)) != NULL && ALLOC(w->a0, N * H) && ALLOC(w->out, N * OUT_STRIDE) &&
           ALLOC(w->dout, N * OUT_STRIDE) && ALLOC(w->dA, N * H) && ALLOC(w->dB, N * H) && ALLOC(w->dEmb, N * E) && ALLOC(w->pack, packed_size_of(GEMM_CHUNK, widest(s)));
  if (s->kind == MODEL_LSTM) {
    const int gru = s->cell == CELL_GRU;
    ok = ok && (gru ? ALLOC(w->step, (long)rows * 3 * H) : ALLOC(w->carry, (long)rows * H));
    for (int l = 0; ok && l < s->layers; l++) {
      RecurrentLayerScratch *a = &w->rnn[l];
      ok = (l == 0 || ALLOC(a->in, N * H)) && ALLOC(a->G, N * cell_gates(s) * H) && ALLOC(a->Hs, N * H) &&
           (gru ? ALLOC(a->HN, N * H) : ALLOC(a->C, N * H) && ALLOC(a->TC, N * H));
    }
  } else {
    ok = ok && ALLOC(w->hF, N * H) && ALLOC(w->xhatF, N * H) && ALLOC(w->rF, N) && ALLOC(w->yF, N * H) && ALLOC(w->tmp, N * H) && ALLOC(w->dY, N * H) &&
         ALLOC(w->dQKV, N * 3 * H) && ALLOC(w->dMerged, N * H) && ALLOC(w->dHid, N * ff);
    for (int l = 0; ok && l < s->layers; l++) {
      TransformerLayerScratch *t = &w->tf[l];
      ok = ALLOC(t->h, N * H) && ALLOC(t->xhat1, N * H) && ALLOC(t->r1, N) && ALLOC(t->y1, N * H) && ALLOC(t->qkv, N * 3 * H) && ALLOC(t->P, (long)rows * s->heads * T * T) &&
           ALLOC(t->merged, N * H) && ALLOC(t->h1, N * H) && ALLOC(t->xhat2, N * H) && ALLOC(t->r2, N) && ALLOC(t->y2, N * H) && ALLOC(t->hid, N * ff);
    }
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

/**
 * Takes the tensors' offsets (in the engine's order) and weight-decay flags; checks they tile [0, total) exactly;
 * lays out the gradient vector (the same without the table) and the optimizer's segments.
 */
static int build_layout(Engine *e, const long *offsets, long total, const unsigned char *decay, const char **error) {
  const Shape *s = &e->net.s;
  Layout *p = &e->net.params, *g = &e->net.grads;
  for (int t = 0; t < TENSORS; t++)
    for (int l = 0; l < MAX_LAYERS; l++) p->at[t][l] = g->at[t][l] = -1;
  p->total = total;
  long covered = 0;
  for (int i = 0; i < e->ntensors; i++) {
    const TensorRef r = e->order[i];
    long rows, cols;
    tensor_dims(s, r.kind, &rows, &cols);
    const int absent = (r.kind == T_TRACK_TABLE || r.kind == T_TRACK_W) && s->buckets == 0;
    if (absent) continue;
    if (offsets[i] < 0 || offsets[i] + rows * cols > total) {
      *error = "a tensor lies outside the parameter vector";
      return -1;
    }
    p->at[r.kind][r.layer] = offsets[i];
    covered += rows * cols;
  }
  if (covered != total) {
    *error = "the tensor sizes do not add up to the parameter vector's length";
    return -1;
  }
  e->tableOffset = p->at[T_TRACK_TABLE][0];
  e->tableSize = s->buckets > 0 ? (long)s->buckets * s->embed : 0;
  e->tableDecay = decay[2];
  e->nseg = 0;
  for (int i = 0; i < e->ntensors; i++) {
    const TensorRef r = e->order[i];
    const long at = p->at[r.kind][r.layer];
    if (at < 0 || r.kind == T_TRACK_TABLE) continue;
    long rows, cols;
    tensor_dims(s, r.kind, &rows, &cols);
    const long gradOffset = at - (e->tableOffset >= 0 && at > e->tableOffset ? e->tableSize : 0);
    g->at[r.kind][r.layer] = gradOffset;
    e->seg[e->nseg++] = (Segment){at, gradOffset, rows * cols, decay[i]};
  }
  g->total = total - e->tableSize;
  return 0;
}

int engine_tensors(const Shape *shape) {
  TensorRef order[MAX_TENSORS];
  return tensor_order(shape, order);
}

int engine_dropout_sites(const Shape *shape) { return shape->kind == MODEL_LSTM ? shape->layers : 1 + 2 * shape->layers; }

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
  for (int t = 0; t < TENSORS; t++)
    for (int l = 0; l < MAX_LAYERS; l++) free(e->net.packed[t][l]), free(e->net.packedT[t][l]);
  for (int l = 0; l < MAX_LAYERS; l++) free(e->net.qkvBias[l]);
  free(e->net.encoderW), free(e->stacked);
  free(e);
}

Engine *engine_create(const Shape *shape, const long *offsets, long total, const unsigned char *decay, int threads, const char **error) {
  *error = NULL;
  const int transformer = shape->kind == MODEL_TRANSFORMER;
  if ((shape->kind != MODEL_LSTM && !transformer) || shape->layers < 1 || shape->layers > MAX_LAYERS || shape->hidden < 1 || shape->features < 1 ||
      (shape->cell != CELL_LSTM && shape->cell != CELL_GRU) || (shape->outputs != 1 && shape->outputs != 5) || (shape->buckets > 0 && shape->embed < 1) || threads < 1 ||
      (transformer && (shape->heads < 1 || shape->hidden % shape->heads != 0 || shape->ff < 1 || shape->maxLen < 1))) {
    *error = "unsupported model shape";
    return NULL;
  }
  const Isa *isa = choose_isa(error);
  if (!isa) return NULL;
  Engine *e = calloc(1, sizeof *e);
  if (!e) goto oom;
  e->net.s = *shape;
  e->isa = isa;
  e->threads = threads;
  e->ntensors = tensor_order(shape, e->order);
  if (build_layout(e, offsets, total, decay, error) != 0) {
    engine_destroy(e);
    return NULL;
  }
  int ok = (e->ws = calloc(threads, sizeof *e->ws)) && (e->grads = calloc(threads, sizeof *e->grads)) && (e->touched = calloc(threads, sizeof *e->touched)) &&
           (e->nTouched = calloc(threads, sizeof *e->nTouched)) && (e->losses = calloc(threads, sizeof *e->losses)) && (e->slices = calloc(threads, sizeof *e->slices)) &&
           (e->partial = calloc(threads, sizeof *e->partial));
  for (int k = 0; ok && k < threads; k++) ok = (e->grads[k] = malloc(sizeof(float) * (size_t)e->net.grads.total)) != NULL;
  const long H = shape->hidden, E = shape->buckets > 0 ? shape->embed : 0, F = shape->features;
#define PACKED(p, K, N) (((p) = malloc(sizeof(float) * (size_t)packed_size_of((int)(K), (int)(N)))) != NULL)
  for (int i = 0; ok && i < e->ntensors; i++) {
    const TensorRef r = e->order[i];
    if (!packed_both_ways(r.kind)) continue;
    long rows, cols;
    tensor_dims(shape, r.kind, &rows, &cols);
    ok = PACKED(e->net.packed[r.kind][r.layer], rows, cols) && PACKED(e->net.packedT[r.kind][r.layer], cols, rows);
  }
  ok = ok && PACKED(e->net.encoderW, F + E, H) && (e->stacked = malloc(sizeof(float) * (size_t)((F + E) * H)));
  for (int l = 0; ok && transformer && l < shape->layers; l++) ok = (e->net.qkvBias[l] = malloc(sizeof(float) * 3 * (size_t)H)) != NULL;
  if (ok && shape->buckets > 0) {
    ok = PACKED(e->net.packedT[T_TRACK_W][0], H, E) && (e->tableGrad = calloc((size_t)e->tableSize, sizeof(float))) &&
         (e->mark = calloc((size_t)shape->buckets, sizeof(uint32_t)));
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
  const int H = n->s.hidden, F = n->s.features, E = n->s.buckets > 0 ? n->s.embed : 0;
  for (int i = 0; i < e->ntensors; i++) {
    const TensorRef r = e->order[i];
    if (!packed_both_ways(r.kind)) continue;
    long rows, cols;
    tensor_dims(&n->s, r.kind, &rows, &cols);
    const float *w = PARAM(n, p, r.kind, r.layer);
    isa->packB((int)rows, (int)cols, w, cols, 1, n->packed[r.kind][r.layer]);
    isa->packB((int)cols, (int)rows, w, 1, cols, n->packedT[r.kind][r.layer]);
  }
  memcpy(e->stacked, PARAM(n, p, T_INPUT_W, 0), sizeof(float) * (size_t)F * H);
  if (E) {
    memcpy(e->stacked + (long)F * H, PARAM(n, p, T_TRACK_W, 0), sizeof(float) * (size_t)E * H);
    isa->packB(H, E, PARAM(n, p, T_TRACK_W, 0), 1, H, n->packedT[T_TRACK_W][0]);
  }
  isa->packB(F + E, H, e->stacked, H, 1, n->encoderW);
  for (int l = 0; n->s.kind == MODEL_TRANSFORMER && l < n->s.layers; l++) {
    memcpy(n->qkvBias[l], PARAM(n, p, T_BQKV, l), sizeof(float) * 3 * (size_t)H);
    memset(n->qkvBias[l] + H, 0, sizeof(float) * (size_t)H);
  }
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
        .timeMajor = e->net.s.kind == MODEL_LSTM,
        .inputs = b->inputs + at * e->net.s.features,
        .keys = b->keys + at,
        .present = b->present ? b->present + at : NULL,
        .labels = b->labels ? b->labels + at : NULL,
        .auxLabels = b->auxLabels ? b->auxLabels + at * AUX_OUTPUTS : NULL,
        .weights = b->weights ? b->weights + at : NULL,
        .scored = b->scored ? b->scored + at : NULL,
    };
    e->losses[k] = (SliceLoss){0};
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
      const int32_t *keys = e->ws[t].keys; // dEmb's rows are in the slice's order
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
  *out = (StepStats){0};
  *squares = 0;
  for (int k = 0; k < e->threads; k++) {
    out->loss += e->losses[k].loss;
    out->correct += e->losses[k].correct;
    out->count += e->losses[k].count;
    for (int a = 0; a < AUX_OUTPUTS; a++) out->aux[a] += e->losses[k].aux[a];
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

// What the models' per-slice passes share (recurrentModel.c, transformerModel.c): phase timing, dropout on a slice's
// rows, and the loss and logits read off the heads.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

static inline double clock_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/** Adds the time since *mark to timing[phase] and moves the mark (nothing without timing). */
static inline void lap(double *timing, int phase, double *mark) {
  if (!timing) return;
  double now = clock_ms();
  timing[phase] += now - *mark;
  *mark = now;
}

/** Dropout of site `site` on the slice's rows x [N, width] (forward and backward are the same product). */
static void slice_dropout(const Slice *s, const PassOptions *o, int site, float *x, int width) {
  const long N = (long)s->rows * s->T;
  for (long r = 0; r < N; r++) {
    // The element's index in the whole batch's batch-major tensor.
    const uint32_t first = (uint32_t)(((long)s->rowOffset * s->T + batch_row(s, r)) * width);
    dropout_apply(x + r * width, width, first, o->siteSeeds[site], o->dropThreshold, o->dropScale);
  }
}

static int dropping(const PassOptions *o) { return o && o->dropScale > 0; }

/** The main logit of every position of the slice after a forward pass, into logits (the slice's [rows, T]). */
static void slice_main_logits(const Slice *s, const Workspace *ws, float *logits) {
  const long N = (long)s->rows * s->T;
  for (long r = 0; r < N; r++) logits[batch_row(s, r)] = ws->out[r * OUT_STRIDE];
}

// The whole skip model on one slice of a batch, as forward and backward passes over flat buffers (the layout of
// models/model.ts: encoder → dropout → LSTM layers with dropout between them → heads → loss). One thread runs it
// on its own slice; the engine adds the slices' gradients up and takes the optimizer step.
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

/** Dropout of site `site` on the slice's time-major x [N, width] (forward and backward are the same product). */
static void slice_dropout(const Slice *s, const PassOptions *o, int site, float *x, int width) {
  const long N = (long)s->rows * s->T;
  for (long r = 0; r < N; r++) {
    // The element's index in the whole batch's batch-major tensor.
    const uint32_t first = (uint32_t)(((long)s->rowOffset * s->T + batch_row(s, r)) * width);
    dropout_apply(x + r * width, width, first, o->siteSeeds[site], o->dropThreshold, o->dropScale);
  }
}

static int dropping(const PassOptions *o) { return o && o->dropScale > 0; }

static LstmWeights layer_weights(const Net *net, const float *p, int l) {
  return (LstmWeights){net->wx[l], net->wh[l], net->wxT[l], net->whT[l], p + net->params.b[l]};
}

/** The input LSTM layer l reads: the encoder's output, or the layer below's (its dropped-out copy under dropout). */
static float *layer_input(Workspace *ws, const PassOptions *o, int l) {
  if (l == 0) return ws->a0;
  return dropping(o) ? ws->in[l] : ws->Hs[l - 1];
}

/** Encoder, dropout, LSTM layers and heads: leaves every layer's input, gates, cells and outputs in ws. */
static void body_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, double *timing) {
  const int H = net->s.hidden;
  const long N = (long)s->rows * s->T;
  double mark = timing ? clock_ms() : 0;
  encoder_forward(net, p, s, ws);
  if (dropping(o)) slice_dropout(s, o, 0, ws->a0, H);
  lap(timing, PHASE_ENCODER, &mark);
  for (int l = 0; l < net->s.layers; l++) {
    if (l > 0 && dropping(o)) {
      memcpy(ws->in[l], ws->Hs[l - 1], (size_t)N * H * sizeof(float));
      slice_dropout(s, o, l, ws->in[l], H);
    }
    LstmWeights w = layer_weights(net, p, l);
    lstm_forward(s->rows, s->T, H, H, layer_input(ws, o, l), &w, ws->G[l], ws->C[l], ws->TC[l], ws->Hs[l]);
  }
  lap(timing, PHASE_RECURRENCE, &mark);
  heads_forward(net, p, N, ws->Hs[net->s.layers - 1], ws->out);
  lap(timing, PHASE_LOSS, &mark);
}

/** Forward and loss of one slice: leaves the activations and the gradient at the heads (dout) in ws. */
static void slice_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, SliceLoss *loss, double *timing) {
  if (s->rows == 0) return;
  body_forward(net, p, s, o, ws, timing);
  double mark = timing ? clock_ms() : 0;
  loss_forward_backward(s, net->s.outputs, ws->out, o->auxWeight, o->denominator, ws->dout, loss);
  lap(timing, PHASE_LOSS, &mark);
}

/** Backward of one slice after slice_forward: every dense tensor's gradient into g (zeroed here), dEmb into ws. */
static void slice_backward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, float *g, double *timing) {
  const int H = net->s.hidden;
  const long N = (long)s->rows * s->T;
  memset(g, 0, (size_t)net->grads.total * sizeof(float));
  if (s->rows == 0) return;
  double mark = timing ? clock_ms() : 0;
  float *dUp = ws->dA, *dDown = ws->dB; // the gradient at a layer's output, and at its input
  heads_backward(net, N, ws->Hs[net->s.layers - 1], ws->dout, dUp, ws, g);
  lap(timing, PHASE_LOSS, &mark);
  for (int l = net->s.layers - 1; l >= 0; l--) {
    LstmWeights w = layer_weights(net, p, l);
    lstm_backward(s->rows, s->T, H, H, layer_input(ws, o, l), &w, ws->G[l], ws->C[l], ws->TC[l], ws->Hs[l], dUp, dDown, g + net->grads.wx[l], g + net->grads.wh[l],
                  g + net->grads.b[l], ws->carry, ws->pack);
    if (dropping(o)) slice_dropout(s, o, l, dDown, H);
    float *swap = dUp;
    dUp = dDown;
    dDown = swap;
  }
  lap(timing, PHASE_RECURRENCE, &mark);
  encoder_backward(net, s, dUp, ws, g);
  lap(timing, PHASE_ENCODER, &mark);
}

/** The main logit of every position of the slice, no dropout (evaluation). logits: the slice's [rows, T]. */
static void slice_logits(const Net *net, const float *p, const Slice *s, Workspace *ws, float *logits) {
  if (s->rows == 0) return;
  body_forward(net, p, s, NULL, ws, NULL);
  const long N = (long)s->rows * s->T;
  for (long r = 0; r < N; r++) logits[batch_row(s, r)] = ws->out[r * OUT_STRIDE];
}

// The Transformer skip model on one slice of a batch, forward and backward over flat buffers (models/model.ts and
// transformer.ts): encoder → dropout → + learned positions → pre-LN blocks [h += drop(attn(LN(h))·Wo + bo);
// h += drop(relu(LN(h)·W1 + b1)·W2 + b2)] → final LN → heads → loss. Rows are batch-major (b·T + t).
// The key third of attn.bqkv is left out, as in models/transformer.ts: a constant added to all of a query's scores
// cannot change their softmax, so its gradient is exactly zero (and is set so, instead of rounding noise that
// Adam would turn into full-size steps).
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

/** The dropout sites (PassOptions.siteSeeds): 0 the encoder's output, then per layer its attention and feed-forward outputs. */
static inline int attn_site(int l) { return 1 + 2 * l; }
static inline int ff_site(int l) { return 2 + 2 * l; }

/** out = h + x: a residual connection, in one pass. */
static void residual_add(float *out, const float *h, const float *x, long n) {
  for (long j = 0; j < n; j += 8) {
    int w = n - j < 8 ? (int)(n - j) : 8;
    vstoren(out + j, vloadn(h + j, w) + vloadn(x + j, w), w);
  }
}

/** Layer l from its input stream a->h to `out`: both halves, keeping what the backward pass reads. */
static void transformer_layer_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, int l, float *out) {
  const int d = net->s.hidden, ff = net->s.ff;
  const long N = (long)s->rows * s->T;
  TransformerLayerScratch *a = &ws->tf[l];
  layer_norm_forward(N, d, a->h, PARAM(net, p, T_LN1G, l), PARAM(net, p, T_LN1B, l), a->xhat1, a->r1, a->y1);
  gemm_nn((int)N, 3 * d, d, a->y1, d, net->packed[T_WQKV][l], a->qkv, 3L * d, 1, net->qkvBias[l]);
  attention_forward(s->rows, s->T, d, net->s.heads, a->qkv, s->present, a->P, a->merged);
  gemm_nn((int)N, d, d, a->merged, d, net->packed[T_WO][l], ws->tmp, d, 1, PARAM(net, p, T_BO, l));
  if (dropping(o)) slice_dropout(s, o, attn_site(l), ws->tmp, d);
  residual_add(a->h1, a->h, ws->tmp, N * d);
  layer_norm_forward(N, d, a->h1, PARAM(net, p, T_LN2G, l), PARAM(net, p, T_LN2B, l), a->xhat2, a->r2, a->y2);
  gemm_nn_relu((int)N, ff, d, a->y2, d, net->packed[T_W1][l], a->hid, ff, PARAM(net, p, T_B1, l));
  gemm_nn((int)N, d, ff, a->hid, ff, net->packed[T_W2][l], ws->tmp, d, 1, PARAM(net, p, T_B2, l));
  if (dropping(o)) slice_dropout(s, o, ff_site(l), ws->tmp, d);
  residual_add(out, a->h1, ws->tmp, N * d);
}

static void transformer_body_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, double *timing) {
  const int d = net->s.hidden, L = net->s.layers;
  const long N = (long)s->rows * s->T;
  double mark = timing ? clock_ms() : 0;
  encoder_forward(net, p, s, ws);
  if (dropping(o)) slice_dropout(s, o, 0, ws->a0, d);
  lap(timing, PHASE_ENCODER, &mark);
  const float *pos = PARAM(net, p, T_POSITION, 0);
  float *h0 = ws->tf[0].h;
  for (long r = 0; r < N; r++) residual_add(h0 + r * d, ws->a0 + r * d, pos + (r % s->T) * d, d);
  for (int l = 0; l < L; l++) transformer_layer_forward(net, p, s, o, ws, l, l + 1 < L ? ws->tf[l + 1].h : ws->hF);
  layer_norm_forward(N, d, ws->hF, PARAM(net, p, T_FINAL_G, 0), PARAM(net, p, T_FINAL_B, 0), ws->xhatF, ws->rF, ws->yF);
  lap(timing, PHASE_BODY, &mark);
  heads_forward(net, p, N, ws->yF, ws->out);
  lap(timing, PHASE_LOSS, &mark);
}

/**
 * Layer l's backward pass: dH [N, d] holds the gradient at the layer's output and leaves with the gradient at its
 * input; the layer's weight gradients are added into g.
 */
static void transformer_layer_backward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, int l, float *dH, float *g) {
  const int d = net->s.hidden, ff = net->s.ff;
  const long N = (long)s->rows * s->T;
  TransformerLayerScratch *a = &ws->tf[l];
  // out = h1 + drop(relu(y2·W1 + b1)·W2 + b2)
  memcpy(ws->tmp, dH, sizeof(float) * (size_t)(N * d));
  if (dropping(o)) slice_dropout(s, o, ff_site(l), ws->tmp, d);
  gemm_tn(N, ff, d, a->hid, ff, ws->tmp, d, GRAD(net, g, T_W2, l), d, ws->pack);
  add_column_sums(N, d, ws->tmp, d, GRAD(net, g, T_B2, l));
  gemm_nn_relu_backward((int)N, ff, d, ws->tmp, d, net->packedT[T_W2][l], ws->dHid, ff, a->hid);
  gemm_tn(N, d, ff, a->y2, d, ws->dHid, ff, GRAD(net, g, T_W1, l), ff, ws->pack);
  add_column_sums(N, ff, ws->dHid, ff, GRAD(net, g, T_B1, l));
  gemm_nn((int)N, d, ff, ws->dHid, ff, net->packedT[T_W1][l], ws->dY, d, 1, NULL);
  layer_norm_backward(N, d, ws->dY, a->xhat2, a->r2, PARAM(net, p, T_LN2G, l), dH, GRAD(net, g, T_LN2G, l), GRAD(net, g, T_LN2B, l));
  // h1 = h + drop(attn(y1)·Wo + bo)
  memcpy(ws->tmp, dH, sizeof(float) * (size_t)(N * d));
  if (dropping(o)) slice_dropout(s, o, attn_site(l), ws->tmp, d);
  gemm_tn(N, d, d, a->merged, d, ws->tmp, d, GRAD(net, g, T_WO, l), d, ws->pack);
  add_column_sums(N, d, ws->tmp, d, GRAD(net, g, T_BO, l));
  gemm_nn((int)N, d, d, ws->tmp, d, net->packedT[T_WO][l], ws->dMerged, d, 1, NULL);
  attention_backward(s->rows, s->T, d, net->s.heads, a->qkv, a->P, ws->dMerged, ws->dQKV);
  gemm_tn(N, d, 3 * d, a->y1, d, ws->dQKV, 3L * d, GRAD(net, g, T_WQKV, l), 3L * d, ws->pack);
  add_column_sums(N, 3 * d, ws->dQKV, 3L * d, GRAD(net, g, T_BQKV, l));
  memset(GRAD(net, g, T_BQKV, l) + d, 0, sizeof(float) * (size_t)d);
  gemm_nn((int)N, d, 3 * d, ws->dQKV, 3L * d, net->packedT[T_WQKV][l], ws->dY, d, 1, NULL);
  layer_norm_backward(N, d, ws->dY, a->xhat1, a->r1, PARAM(net, p, T_LN1G, l), dH, GRAD(net, g, T_LN1G, l), GRAD(net, g, T_LN1B, l));
}

/** Backward of one slice after its forward pass and loss: every dense tensor's gradient into g (zeroed), dEmb into ws. */
static void transformer_slice_backward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, float *g, double *timing) {
  const int d = net->s.hidden;
  const long N = (long)s->rows * s->T;
  double mark = timing ? clock_ms() : 0;
  heads_backward(net, N, ws->yF, ws->dout, ws->dY, ws, g);
  lap(timing, PHASE_LOSS, &mark);
  float *dH = ws->dA;
  memset(dH, 0, sizeof(float) * (size_t)(N * d));
  layer_norm_backward(N, d, ws->dY, ws->xhatF, ws->rF, PARAM(net, p, T_FINAL_G, 0), dH, GRAD(net, g, T_FINAL_G, 0), GRAD(net, g, T_FINAL_B, 0));
  for (int l = net->s.layers - 1; l >= 0; l--) transformer_layer_backward(net, p, s, o, ws, l, dH, g);
  float *dpos = GRAD(net, g, T_POSITION, 0);
  for (long r = 0; r < N; r++) sum_into(dpos + (r % s->T) * d, dH + r * d, d);
  lap(timing, PHASE_BODY, &mark);
  if (dropping(o)) slice_dropout(s, o, 0, dH, d);
  encoder_backward(net, s, dH, ws, g);
  lap(timing, PHASE_ENCODER, &mark);
}

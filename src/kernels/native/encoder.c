// The per-position input of the model (models/encoder.ts): x·W + b, plus the hashed track embedding projected to
// the hidden width, e_t = table[key mod buckets]·Wtrack (zeros for key −1). Both products are one: the slice's
// rows are gathered in the slice's row order as [x | e] and multiplied by W stacked on Wtrack. Forward and backward for one
// slice; the embedding rows' gradients stay per position (dEmb, with keys) for the engine's reduce.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

static void encoder_forward(const Net *net, const float *p, const Slice *s, Workspace *ws) {
  const int F = net->s.features, H = net->s.hidden, E = net->s.buckets > 0 ? net->s.embed : 0, K = F + E;
  const long N = (long)s->rows * s->T;
  const float *table = E ? PARAM(net, p, T_TRACK_TABLE, 0) : NULL;
  for (long r = 0; r < N; r++) {
    long src = batch_row(s, r);
    float *row = ws->xe + r * K;
    memcpy(row, s->inputs + src * F, F * sizeof(float));
    int32_t key = s->keys[src];
    ws->keys[r] = key;
    if (!E) continue;
    if (key >= 0) memcpy(row + F, table + (long)(key % net->s.buckets) * E, E * sizeof(float));
    else memset(row + F, 0, E * sizeof(float));
  }
  gemm_nn((int)N, H, K, ws->xe, K, net->encoderW, ws->a0, H, 1, PARAM(net, p, T_INPUT_B, 0));
}

/** dE0 [N, H]: the gradient at the encoder's output. Adds into the input and track projections' gradients, writes dEmb. */
static void encoder_backward(const Net *net, const Slice *s, const float *dE0, Workspace *ws, float *g) {
  const int F = net->s.features, H = net->s.hidden, E = net->s.buckets > 0 ? net->s.embed : 0, K = F + E;
  const long N = (long)s->rows * s->T;
  for (long r0 = 0; r0 < N; r0 += GEMM_KC) {
    int mc = N - r0 < GEMM_KC ? (int)(N - r0) : GEMM_KC;
    pack_b(mc, H, dE0 + r0 * H, H, 1, ws->pack);
    gemm_tn_packed(mc, F, H, ws->xe + r0 * K, K, ws->pack, GRAD(net, g, T_INPUT_W, 0), H);
    if (E) gemm_tn_packed(mc, E, H, ws->xe + r0 * K + F, K, ws->pack, GRAD(net, g, T_TRACK_W, 0), H);
  }
  add_column_sums(N, H, dE0, H, GRAD(net, g, T_INPUT_B, 0));
  if (E) gemm_nn((int)N, E, H, dE0, H, net->packedT[T_TRACK_W][0], ws->dEmb, E, 1, NULL);
}

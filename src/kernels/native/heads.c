// The output heads (models/heads.ts): one matrix product gives the main skip logit and, with auxWeight > 0, the
// four auxiliary logits, in rows of OUT_STRIDE floats (the loss reads the first `outputs`).
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

static void heads_forward(const Net *net, const float *p, long N, const float *Hs, float *out) {
  gemm_nn((int)N, net->s.outputs, net->s.hidden, Hs, net->s.hidden, net->headW, out, OUT_STRIDE, 1, p + net->params.headB);
}

/** dout [N, OUT_STRIDE] → dHs [N, H] (written), head gradients added into g. */
static void heads_backward(const Net *net, long N, const float *Hs, const float *dout, float *dHs, Workspace *ws, float *g) {
  const int H = net->s.hidden, O = net->s.outputs;
  gemm_nn((int)N, H, O, dout, OUT_STRIDE, net->headWT, dHs, H, 1, NULL);
  for (long r0 = 0; r0 < N; r0 += GEMM_KC) {
    int mc = N - r0 < GEMM_KC ? (int)(N - r0) : GEMM_KC;
    pack_b(mc, O, dout + r0 * OUT_STRIDE, OUT_STRIDE, 1, ws->pack);
    gemm_tn_packed(mc, H, O, Hs + r0 * H, H, ws->pack, g + net->grads.headW, O);
  }
  add_column_sums(N, O, dout, OUT_STRIDE, g + net->grads.headB);
}

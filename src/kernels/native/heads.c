// The output heads (models/heads.ts): one matrix product gives the main skip logit and, with the binary auxiliary
// targets, the four auxiliary logits, in rows of OUT_STRIDE floats (the loss reads the first `outputs`).
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

static void heads_forward(const Net *net, const float *p, long N, const float *Hs, float *out) {
  gemm_nn((int)N, net->s.outputs, net->s.hidden, Hs, net->s.hidden, net->packed[T_HEAD_W][0], out, OUT_STRIDE, 1, PARAM(net, p, T_HEAD_B, 0));
}

/** dout [N, OUT_STRIDE] → dHs [N, H] (written), head gradients added into g. */
static void heads_backward(const Net *net, long N, const float *Hs, const float *dout, float *dHs, Workspace *ws, float *g) {
  const int H = net->s.hidden, O = net->s.outputs;
  gemm_nn((int)N, H, O, dout, OUT_STRIDE, net->packedT[T_HEAD_W][0], dHs, H, 1, NULL);
  gemm_tn(N, H, O, Hs, H, dout, OUT_STRIDE, GRAD(net, g, T_HEAD_W, 0), O, ws->pack);
  add_column_sums(N, O, dout, OUT_STRIDE, GRAD(net, g, T_HEAD_B, 0));
}

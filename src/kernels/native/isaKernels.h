// The kernel sources of one instruction-set unit, in dependency order, and the table they fill. Included once by
// isaAvx2.c and once by isaGeneric.c with ISA_TABLE and ISA_NAME set.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "isa.h"
#include "vec.h"
#include "gemm.c"
#include "dropout.c"
#include "encoder.c"
#include "heads.c"
#include "loss.c"
#include "adam.c"
#include "slice.c"
#include "lstm.c"
#include "gru.c"
#include "recurrentModel.c"
#include "layerNorm.c"
#include "attention.c"
#include "transformerModel.c"

/** Encoder, body and heads of either model: the activations the backward pass reads stay in ws. */
static void body_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, double *timing) {
  if (net->s.kind == MODEL_LSTM) recurrent_body_forward(net, p, s, o, ws, timing);
  else transformer_body_forward(net, p, s, o, ws, timing);
}

/** Forward and loss of one slice: leaves the activations and the gradient at the heads (dout) in ws. */
static void slice_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, SliceLoss *loss, double *timing) {
  if (s->rows == 0) return;
  body_forward(net, p, s, o, ws, timing);
  double mark = timing ? clock_ms() : 0;
  loss_forward_backward(s, net->s.outputs, ws->out, o, ws->dout, loss);
  lap(timing, PHASE_LOSS, &mark);
}

/** Backward of one slice after slice_forward: every dense tensor's gradient into g (zeroed here), dEmb into ws. */
static void slice_backward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, float *g, double *timing) {
  memset(g, 0, (size_t)net->grads.total * sizeof(float));
  if (s->rows == 0) return;
  if (net->s.kind == MODEL_LSTM) recurrent_slice_backward(net, p, s, o, ws, g, timing);
  else transformer_slice_backward(net, p, s, o, ws, g, timing);
}

/** The main logit of every position of the slice, no dropout (evaluation). logits: the slice's [rows, T]. */
static void slice_logits(const Net *net, const float *p, const Slice *s, Workspace *ws, float *logits) {
  if (s->rows == 0) return;
  body_forward(net, p, s, NULL, ws, NULL);
  slice_main_logits(s, ws, logits);
}

static const Isa ISA_TABLE = {
    .name = ISA_NAME,
    .sliceForward = slice_forward,
    .sliceBackward = slice_backward,
    .sliceLogits = slice_logits,
    .adamUpdate = adam_update,
    .sumInto = sum_into,
    .sumSquares = sum_squares,
    .dropoutApply = dropout_apply,
    .packB = pack_b,
};

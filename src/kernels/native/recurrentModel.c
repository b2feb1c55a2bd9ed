// The recurrent skip model (LSTM or GRU cells) on one slice of a batch, as forward and backward passes over flat
// buffers (the layout of models/model.ts and recurrent.ts: encoder → dropout → recurrent layers with dropout between
// them → heads → loss). One thread runs it on its own slice; the engine adds the slices' gradients up and takes the
// optimizer step.
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.

static LstmWeights lstm_layer_weights(const Net *net, const float *p, int l) {
  return (LstmWeights){net->packed[T_WX][l], net->packed[T_WH][l], net->packedT[T_WX][l], net->packedT[T_WH][l], PARAM(net, p, T_B, l)};
}

static GruWeights gru_layer_weights(const Net *net, const float *p, int l) {
  return (GruWeights){net->packed[T_WX][l], net->packed[T_WH][l], net->packedT[T_WX][l], net->packedT[T_WH][l], PARAM(net, p, T_B, l), PARAM(net, p, T_BH, l)};
}

/** The input layer l reads: the encoder's output, or the layer below's (its dropped-out copy under dropout). */
static float *recurrent_layer_input(Workspace *ws, const PassOptions *o, int l) {
  if (l == 0) return ws->a0;
  return dropping(o) ? ws->rnn[l].in : ws->rnn[l - 1].Hs;
}

/** Encoder, dropout, recurrent layers and heads: leaves every layer's input, gates, states and outputs in ws. */
static void recurrent_body_forward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, double *timing) {
  const int H = net->s.hidden;
  const long N = (long)s->rows * s->T;
  double mark = timing ? clock_ms() : 0;
  encoder_forward(net, p, s, ws);
  if (dropping(o)) slice_dropout(s, o, 0, ws->a0, H);
  lap(timing, PHASE_ENCODER, &mark);
  for (int l = 0; l < net->s.layers; l++) {
    RecurrentLayerScratch *a = &ws->rnn[l];
    if (l > 0 && dropping(o)) {
      memcpy(a->in, ws->rnn[l - 1].Hs, (size_t)N * H * sizeof(float));
      slice_dropout(s, o, l, a->in, H);
    }
    const float *in = recurrent_layer_input(ws, o, l);
    if (net->s.cell == CELL_GRU) {
      GruWeights w = gru_layer_weights(net, p, l);
      gru_forward(s->rows, s->T, H, H, in, &w, a->G, a->HN, a->Hs, ws->step);
    } else {
      LstmWeights w = lstm_layer_weights(net, p, l);
      lstm_forward(s->rows, s->T, H, H, in, &w, a->G, a->C, a->TC, a->Hs);
    }
  }
  lap(timing, PHASE_BODY, &mark);
  heads_forward(net, p, N, ws->rnn[net->s.layers - 1].Hs, ws->out);
  lap(timing, PHASE_LOSS, &mark);
}

/** Backward of one slice after its forward pass and loss: every dense tensor's gradient into g (zeroed), dEmb into ws. */
static void recurrent_slice_backward(const Net *net, const float *p, const Slice *s, const PassOptions *o, Workspace *ws, float *g, double *timing) {
  const int H = net->s.hidden;
  const long N = (long)s->rows * s->T;
  double mark = timing ? clock_ms() : 0;
  float *dUp = ws->dA, *dDown = ws->dB; // the gradient at a layer's output, and at its input
  heads_backward(net, N, ws->rnn[net->s.layers - 1].Hs, ws->dout, dUp, ws, g);
  lap(timing, PHASE_LOSS, &mark);
  for (int l = net->s.layers - 1; l >= 0; l--) {
    RecurrentLayerScratch *a = &ws->rnn[l];
    const float *in = recurrent_layer_input(ws, o, l);
    if (net->s.cell == CELL_GRU) {
      GruWeights w = gru_layer_weights(net, p, l);
      gru_backward(s->rows, s->T, H, H, in, &w, a->G, a->HN, a->Hs, dUp, dDown, GRAD(net, g, T_WX, l), GRAD(net, g, T_WH, l), GRAD(net, g, T_B, l), GRAD(net, g, T_BH, l),
                   ws->step, ws->pack);
    } else {
      LstmWeights w = lstm_layer_weights(net, p, l);
      lstm_backward(s->rows, s->T, H, H, in, &w, a->G, a->C, a->TC, a->Hs, dUp, dDown, GRAD(net, g, T_WX, l), GRAD(net, g, T_WH, l), GRAD(net, g, T_B, l), ws->carry,
                    ws->pack);
    }
    if (dropping(o)) slice_dropout(s, o, l, dDown, H);
    float *swap = dUp;
    dUp = dDown;
    dDown = swap;
  }
  lap(timing, PHASE_BODY, &mark);
  encoder_backward(net, s, dUp, ws, g);
  lap(timing, PHASE_ENCODER, &mark);
}

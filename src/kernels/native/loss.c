// The training objective on the head outputs, forward and backward at once: masked binary cross-entropy on the
// main logit and, with the auxiliary heads, each auxiliary one at its own weight — the same sums as train/loss.ts,
// whose lossWeights/lossDenominator the caller passes in.
//   bce(x, y) = max(x, 0) − x·y + log(1 + e^−|x|)        ∂/∂x = σ(x) − y
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.
#include <math.h>

static inline float bce(float x, float y) { return (x > 0 ? x : 0) - x * y + log1pf(expf(-fabsf(x))); }
static inline float sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

/**
 * out, dout: the slice's time-major rows of OUT_STRIDE floats; labels and weights are batch-major (the Batch's).
 * Adds the slice's loss, each auxiliary output's own loss, correct predictions and scored positions into `acc`.
 */
static void loss_forward_backward(const Slice *s, int outputs, const float *out, const PassOptions *o, float *dout, SliceLoss *acc) {
  double mainSum = 0, auxSum[AUX_OUTPUTS] = {0}, correct = 0, count = 0;
  const float mainScale = 1.0f / o->denominator;
  // model.auxWeight's shorthand gives each output auxWeight/4: w/4/d rounds as the auxWeight/(4d) of before.
  float auxScale[AUX_OUTPUTS];
  for (int k = 0; k < AUX_OUTPUTS; k++) auxScale[k] = o->auxWeights[k] / o->denominator;
  const long N = (long)s->rows * s->T;
  for (long r = 0; r < N; r++) {
    const long i = batch_row(s, r);
    const float *x = out + r * OUT_STRIDE;
    float *d = dout + r * OUT_STRIDE;
    const float w = s->weights[i], y = s->labels[i];
    memset(d, 0, OUT_STRIDE * sizeof(float));
    if (s->scored[i] != 0.0f) {
      count += s->scored[i];
      if ((x[0] >= 0.0f ? 1.0f : 0.0f) == y) correct += s->scored[i];
    }
    if (w == 0.0f) continue;
    mainSum += (double)(w * bce(x[0], y));
    d[0] = w * (sigmoid1(x[0]) - y) * mainScale;
    if (outputs > 1) {
      for (int k = 0; k < AUX_OUTPUTS; k++) {
        const float ya = s->auxLabels[i * AUX_OUTPUTS + k];
        auxSum[k] += (double)(w * bce(x[1 + k], ya));
        d[1 + k] = w * (sigmoid1(x[1 + k]) - ya) * auxScale[k];
      }
    }
  }
  double loss = mainSum / o->denominator;
  for (int k = 0; k < AUX_OUTPUTS; k++) {
    acc->aux[k] += auxSum[k] / o->denominator;
    loss += o->auxWeights[k] * auxSum[k] / o->denominator;
  }
  acc->loss += loss;
  acc->correct += correct;
  acc->count += count;
}

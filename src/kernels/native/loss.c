// The training objective on the head outputs, forward and backward at once: masked binary cross-entropy on the
// main logit and, with the auxiliary heads, auxWeight × the mean of the four auxiliary ones — the same sums as
// train/loss.ts, whose lossWeights/lossDenominator the caller passes in.
//   bce(x, y) = max(x, 0) − x·y + log(1 + e^−|x|)        ∂/∂x = σ(x) − y
// Included by the instruction-set units (isaAvx2.c, isaGeneric.c), not compiled alone.
#include <math.h>

static inline float bce(float x, float y) { return (x > 0 ? x : 0) - x * y + log1pf(expf(-fabsf(x))); }
static inline float sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

/**
 * out, dout: the slice's time-major rows of OUT_STRIDE floats; labels and weights are batch-major (the Batch's).
 * Adds the slice's loss, correct predictions and scored positions into `acc`.
 */
static void loss_forward_backward(const Slice *s, int outputs, const float *out, float auxWeight, float denominator, float *dout, SliceLoss *acc) {
  double mainSum = 0, auxSum = 0, correct = 0, count = 0;
  const float mainScale = 1.0f / denominator;
  const float auxScale = auxWeight / (4.0f * denominator);
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
    if (outputs > 1 && auxWeight > 0) {
      for (int k = 0; k < 4; k++) {
        const float ya = s->auxLabels[i * 4 + k];
        auxSum += (double)(w * bce(x[1 + k], ya));
        d[1 + k] = w * (sigmoid1(x[1 + k]) - ya) * auxScale;
      }
    }
  }
  acc->loss += mainSum / denominator + (outputs > 1 ? auxWeight * auxSum / (4.0 * denominator) : 0.0);
  acc->correct += correct;
  acc->count += count;
}

// The native engine (the recurrent and the Transformer skip models): one training step (forward, loss, backward, gradient sum, clipping, Adam) or one
// evaluation pass per call, over flat buffers the caller owns, spread over a fixed number of threads.
#ifndef SKIPTRAIN_ENGINE_H
#define SKIPTRAIN_ENGINE_H
#include "model.h"

typedef struct Engine Engine;

/** One batch, row-major [size, seqLen, …] like the trainer's Batch (src/data/types.ts). */
typedef struct {
  int size, seqLen;
  const float *inputs;
  const int32_t *keys;
  const float *present; // the Transformer's key-padding mask (NULL for the LSTM)
  const float *labels, *auxLabels, *weights, *scored;
} BatchArgs;

typedef struct {
  float lr, beta1, beta2, epsilon, weightDecay, clipNorm;
  /** The optimizer step this update is (1 for the first): the bias corrections depend on it. */
  double step;
} OptimizerArgs;

typedef struct {
  double loss, correct, count, gradNorm;
  double aux[AUX_OUTPUTS]; // each auxiliary output's own loss, unweighted (SliceLoss)
} StepStats;

/**
 * The tensors, in the model's own (creation) order: input.w, input.b, track.table, track.w; then for the recurrent
 * model per layer lstm.l.wx, wh, b or gru.l.wx, wh, bx, bh; for the Transformer transformer.position, per layer ln1.gamma, ln1.beta, attn.wqkv,
 * attn.bqkv, attn.wo, attn.bo, ln2.gamma, ln2.beta, ff.w1, ff.b1, ff.w2, ff.b2, then final.gamma, final.beta; then
 * head.w, head.b. `offsets` holds engine_tensors(shape) offsets (track ones −1 without an embedding), `decay[i]`
 * whether tensor i takes weight decay. NULL with *error set when the layout does not fit the shape, the
 * instruction set asked for is missing, or memory or threads run out.
 */
Engine *engine_create(const Shape *shape, const long *offsets, long total, const unsigned char *decay, int threads, const char **error);
/** How many tensors a model of this shape has, and how many dropout sites (PassOptions.siteSeeds). */
int engine_tensors(const Shape *shape);
int engine_dropout_sites(const Shape *shape);
void engine_destroy(Engine *e);
const char *engine_isa(const Engine *e);
const Shape *engine_shape(const Engine *e);
/** The length of the parameter vector (and of Adam's m and v). */
long engine_parameters(const Engine *e);

/** Returns 0, or −1 when scratch memory could not be allocated (nothing is updated then). */
int engine_step(Engine *e, float *params, float *m, float *v, const BatchArgs *b, const PassOptions *pass, const OptimizerArgs *opt, StepStats *out);
/** The gradient (before clipping) in the parameter layout, for tests; out->gradNorm is its global norm. */
int engine_gradients(Engine *e, const float *params, const BatchArgs *b, const PassOptions *pass, float *grads, StepStats *out);
/** The main logit of every position, [size, seqLen], no dropout. */
int engine_logits(Engine *e, const float *params, const BatchArgs *b, float *logits);
/**
 * Milliseconds per phase since the last call (then reset): packing the weights; the encoder with the embedding,
 * the recurrent layers (or the Transformer's blocks) and the heads with the losses, each forward and backward (thread 0's slice); the gradient sum
 * with the embedding scatter; clipping + Adam. The phases are listed in model.h.
 */
void engine_phases(Engine *e, double *ms);
/** x[n] ⊙= the dropout mask of elements first … first + n − 1 of a site, with the chosen instruction set. */
void engine_dropout(const Engine *e, float *x, long n, uint32_t first, uint32_t seed, uint32_t threshold, float scale);
#endif

// The skip models as the native engine sees them — the recurrent model (LSTM or GRU cells) and the causal Transformer
// of src/models — their shape,
// where each tensor sits in the flat parameter vector, one slice of a batch, and the per-thread scratch memory.
// Shared by the engine (engine.c) and the kernels compiled once per instruction set (isa.h).
#ifndef SKIPTRAIN_MODEL_H
#define SKIPTRAIN_MODEL_H
#include <stdint.h>

#define MAX_LAYERS 48
/** Head outputs are padded to one 8-float vector: the main logit, then skip_1, skip_2, skip_3, not_skipped. */
#define OUT_STRIDE 8
/** The binary auxiliary outputs after the main logit (skip_1, skip_2, skip_3, not_skipped). */
#define AUX_OUTPUTS 4

/** MODEL_LSTM is the recurrent model, of either cell (model.type lstm, model.cell). */
enum { MODEL_LSTM, MODEL_TRANSFORMER };
enum { CELL_LSTM, CELL_GRU };

typedef struct {
  int kind;     // MODEL_LSTM or MODEL_TRANSFORMER
  int cell;     // the recurrent model's: CELL_LSTM or CELL_GRU
  int features; // F: inputs per position
  int hidden;   // H: recurrent units, or the Transformer's width d
  int layers;
  int outputs;  // 1, or 5 with the auxiliary heads
  int buckets;  // track-embedding rows (0 = no embedding)
  int embed;    // E: embedding width
  int heads;    // Transformer attention heads (H a multiple of them)
  int ff;       // Transformer feed-forward width
  int maxLen;   // Transformer positional-table rows (≥ T)
} Shape;

/**
 * The tensors of both models. The encoder's and the heads' are the same in both; the rest belong to one model, and
 * those of a layer repeat per layer. Names as in src/models (transformer.l.attn.wqkv is T_WQKV of layer l).
 */
enum {
  T_INPUT_W, T_INPUT_B, T_TRACK_TABLE, T_TRACK_W, T_HEAD_W, T_HEAD_B, // encoder and heads
  T_WX, T_WH, T_B, T_BH,                                              // a recurrent layer (T_B: a GRU's bx; T_BH: GRU only)
  T_POSITION, T_FINAL_G, T_FINAL_B,                                   // the Transformer's positions and final norm
  T_LN1G, T_LN1B, T_WQKV, T_BQKV, T_WO, T_BO,                         // a Transformer layer: attention half
  T_LN2G, T_LN2B, T_W1, T_B1, T_W2, T_B2,                             // and feed-forward half
  TENSORS
};

/** Offsets (in floats) of every tensor in a flat vector, [tensor][layer] (layer 0 for model-wide ones); −1 = absent. */
typedef struct {
  long at[TENSORS][MAX_LAYERS];
  long total;
} Layout;

/** The model plus the packed weight copies (gemm.c, pack_b) one step shares between its threads. */
typedef struct {
  Shape s;
  Layout params; // offsets in the parameter vector
  Layout grads;  // offsets in a thread's gradient vector: the same without the embedding table
  /** Packed weights, [tensor][layer]: as they are (x·W) and transposed (dy·Wᵀ); NULL where the model has none. */
  float *packed[TENSORS][MAX_LAYERS], *packedT[TENSORS][MAX_LAYERS];
  float *encoderW; // packed [F + E, H]: input.w stacked on track.w
  /** The Transformer's qkv bias as the products use it: the key third zero (transformerModel.c says why). */
  float *qkvBias[MAX_LAYERS];
} Net;

/** The recurrent model's gates per unit: i, f, o, g; or r, z, n. */
static inline int cell_gates(const Shape *s) { return s->cell == CELL_GRU ? 3 : 4; }

/** A tensor of layer l in the parameters (P) or in a gradient vector (G). */
#define PARAM(net, p, t, l) ((p) + (net)->params.at[t][l])
#define GRAD(net, g, t, l) ((g) + (net)->grads.at[t][l])

/**
 * One thread's share of a batch: sequences [rowOffset, rowOffset + rows) of it, all arrays already offset. Inside
 * a slice the recurrent model orders its rows time-major (t·rows + b), the Transformer batch-major (b·T + t), as the batch.
 */
typedef struct {
  int rows;
  int T;
  int rowOffset;
  int timeMajor;
  const float *inputs;    // [rows, T, F]
  const int32_t *keys;    // [rows, T] track keys, −1 = none
  const float *present;   // [rows, T] 1 where a track exists (the Transformer's key-padding mask)
  const float *labels;    // [rows, T]
  const float *auxLabels; // [rows, T, AUX_OUTPUTS]
  const float *weights;   // [rows, T] loss weights
  const float *scored;    // [rows, T] positions counted by accuracy
} Slice;

/** Row r of the slice's internal order as a row of its batch-major arrays (b·T + t). */
static inline long batch_row(const Slice *s, long r) { return s->timeMajor ? (r % s->rows) * s->T + r / s->rows : r; }

/** What a training pass needs besides the data. */
typedef struct {
  float auxWeights[AUX_OUTPUTS]; // each auxiliary output's loss weight (train.auxTargets)
  float denominator; // the whole batch's: the slices' losses add up to the batch's
  float dropScale;   // 1/(1 − rate); 0 = no dropout
  uint32_t dropThreshold;
  /**
   * One seed per dropout site, in the model's order (models/recurrent.ts, transformer.ts): the encoder's output,
   * then the recurrent layers' inputs after the first, or each Transformer layer's attention and feed-forward outputs.
   */
  const uint32_t *siteSeeds;
} PassOptions;

typedef struct {
  double loss, correct, count;
  double aux[AUX_OUTPUTS]; // each auxiliary output's own loss, unweighted
} SliceLoss;

/** Where a step's time goes (engine_phases); the slice phases are timed on thread 0 only. */
enum { PHASE_PACK, PHASE_ENCODER, PHASE_BODY, PHASE_LOSS, PHASE_REDUCE, PHASE_OPTIMIZER, PHASES };

/** A recurrent layer's activations, kept for the backward pass. */
typedef struct {
  float *in, *G, *Hs; // dropped-out input (layers > 0), gates, outputs
  float *C, *TC;      // the LSTM's cells and tanh(cells)
  float *HN;          // the GRU's h·Wh_n + bh_n, which r gated
} RecurrentLayerScratch;

/** A Transformer layer's activations, kept for the backward pass. */
typedef struct {
  float *h;              // [N, H] the residual stream entering the layer
  float *xhat1, *r1, *y1; // the attention half's layer norm: normalised rows, 1/σ per row, output
  float *qkv;            // [N, 3H]
  float *P;              // [rows, heads, T, T] attention probabilities
  float *merged;         // [N, H] the heads' outputs side by side
  float *h1;             // [N, H] the stream after the attention half
  float *xhat2, *r2, *y2; // the feed-forward half's layer norm
  float *hid;            // [N, ff] after the ReLU
} TransformerLayerScratch;

/** Scratch for `capacity` positions (rows × T) of one thread; grown by the engine when a batch needs more. */
typedef struct {
  long capacity;
  int rowsCapacity;
  float *xe;     // [N, F + E]: the inputs and the gathered embeddings, in the slice's row order
  int32_t *keys; // [N] track keys in the slice's row order
  float *a0;     // [N, H] the encoder's output (after dropout)
  float *out, *dout; // [N, OUT_STRIDE] head outputs and their gradient
  float *dA, *dB;    // [N, H] gradients at a layer's output and input
  float *dEmb;       // [N, E]
  float *pack;       // a packed chunk of a weight gradient's right-hand side
  // The recurrent model's
  float *carry; // the LSTM's [rows, H]: f⊙dc carried to the step before
  float *step;  // the GRU's [rows, 3H]: one step's h·Wh + bh, then the gradient at it
  RecurrentLayerScratch rnn[MAX_LAYERS];
  // The Transformer's
  TransformerLayerScratch tf[MAX_LAYERS];
  float *hF, *xhatF, *rF, *yF;          // the last layer's output and the final layer norm
  float *tmp, *dY, *dQKV, *dMerged, *dHid; // [N, H], [N, H], [N, 3H], [N, H], [N, ff]
} Workspace;

#endif

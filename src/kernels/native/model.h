// The LSTM skip model as the native engine sees it: its shape, where each tensor sits in the flat parameter
// vector, one slice of a batch, and the per-thread scratch memory. Shared by the engine (engine.c) and the
// kernels compiled once per instruction set (isa.h).
#ifndef SKIPTRAIN_MODEL_H
#define SKIPTRAIN_MODEL_H
#include <stdint.h>

#define MAX_LAYERS 64
/** Head outputs are padded to one 8-float vector: the main logit, then skip_1, skip_2, skip_3, not_skipped. */
#define OUT_STRIDE 8

typedef struct {
  int features; // F: inputs per position
  int hidden;   // H
  int layers;
  int outputs;  // 1, or 5 with the auxiliary heads
  int buckets;  // track-embedding rows (0 = no embedding)
  int embed;    // E: embedding width
} Shape;

/** Offsets (in floats) of each tensor in a flat vector, in the model's own order; −1 = absent. */
typedef struct {
  long inputW, inputB, trackTable, trackW;
  long wx[MAX_LAYERS], wh[MAX_LAYERS], b[MAX_LAYERS];
  long headW, headB;
  long total;
} Layout;

/** The model plus the packed weight copies (gemm.c, pack_b) one step shares between its threads. */
typedef struct {
  Shape s;
  Layout params; // offsets in the parameter vector
  Layout grads;  // offsets in a thread's gradient vector: the same without the embedding table
  float *wx[MAX_LAYERS], *wh[MAX_LAYERS];   // packed [in, 4H], [H, 4H]
  float *wxT[MAX_LAYERS], *whT[MAX_LAYERS]; // packed [4H, in], [4H, H]
  float *encoderW;                          // packed [F + E, H]: input.w stacked on track.w
  float *trackWT;                           // packed [H, E]
  float *headW, *headWT;                    // packed [H, outputs], [outputs, H]
} Net;

/** One thread's share of a batch: sequences [rowOffset, rowOffset + rows) of it, all arrays already offset. */
typedef struct {
  int rows;
  int T;
  int rowOffset;
  const float *inputs;    // [rows, T, F]
  const int32_t *keys;    // [rows, T] track keys, −1 = none
  const float *labels;    // [rows, T]
  const float *auxLabels; // [rows, T, 4]
  const float *weights;   // [rows, T] loss weights
  const float *scored;    // [rows, T] positions counted by accuracy
} Slice;

/** What a training pass needs besides the data. */
typedef struct {
  float auxWeight;
  float denominator; // the whole batch's: the slices' losses add up to the batch's
  float dropScale;   // 1/(1 − rate); 0 = no dropout
  uint32_t dropThreshold;
  const uint32_t *siteSeeds; // [layers]: 0 = the encoder output, l = the input of LSTM layer l
} PassOptions;

typedef struct {
  double loss, correct, count;
} SliceLoss;

/** Where a step's time goes (engine_phases); the slice phases are timed on thread 0 only. */
enum { PHASE_PACK, PHASE_ENCODER, PHASE_RECURRENCE, PHASE_LOSS, PHASE_REDUCE, PHASE_OPTIMIZER, PHASES };

/**
 * Scratch for `capacity` positions (rows × T) of one thread, time-major (row t·rows + b); grown by the engine
 * when a batch needs more.
 */
typedef struct {
  long capacity;
  int rowsCapacity;
  float *xe;      // [N, F + E]: the inputs and the gathered embeddings
  int32_t *keysT; // [N] track keys, time-major
  float *a0, *out, *dout, *dA, *dB, *dEmb, *carry;
  float *pack; // a packed chunk of a weight gradient's right-hand side
  float *in[MAX_LAYERS], *G[MAX_LAYERS], *C[MAX_LAYERS], *TC[MAX_LAYERS], *Hs[MAX_LAYERS];
} Workspace;

#endif

// The Node-API face of the engine (src/kernels/native.ts is its TypeScript side) and the addon's entry, which also
// adds the batch encoder's functions (data/batch/native), the range scanner's (data/read/native) and the hardware
// CRC-32C (util/native). Every function checks the lengths of the typed arrays it is given against the shapes, and
// throws a TypeError instead of reading past an end: a mistake on the JavaScript side is an exception, never a crash.
#include <stdio.h>
#include <string.h>
#include "../../util/native/napiArgs.h"
#include "engine.h"
#include "../../data/batch/native/batchEncoder.h"
#include "../../data/read/native/rangeScanner.h"
#include "../../util/native/crc32c.h"

static Engine *engine_of(napi_env env, napi_value value) {
  return handle_data(env, value, HANDLE_ENGINE);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  engine_destroy(data);
}

/** createEngine(shape Int32Array[11], layout Float64Array[1 + tensors], decay Uint8Array[tensors], threads) */
static napi_value create_engine(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return fail(env, "createEngine(shape, layout, decay, threads)");
  int32_t *sh;
  double *lay;
  unsigned char *decay;
  size_t nsh, nlay, ndecay;
  // shape: kind (0 recurrent, 1 Transformer), cell (0 LSTM, 1 GRU), features, hidden, layers, outputs, buckets, embed, heads, ff, maxLen
  if (!typed(env, argv[0], napi_int32_array, (void **)&sh, &nsh) || nsh != 11) return fail(env, "createEngine: shape must be an Int32Array of 11");
  Shape shape = {.kind = sh[0], .cell = sh[1], .features = sh[2], .hidden = sh[3], .layers = sh[4], .outputs = sh[5], .buckets = sh[6], .embed = sh[7], .heads = sh[8], .ff = sh[9], .maxLen = sh[10]};
  if (shape.layers < 1 || shape.layers > MAX_LAYERS) return fail(env, "createEngine: layers out of range");
  const size_t tensors = (size_t)engine_tensors(&shape);
  // layout: the parameter count, then every tensor's offset in the engine's order (engine.h)
  if (!typed(env, argv[1], napi_float64_array, (void **)&lay, &nlay) || nlay != tensors + 1) return fail(env, "createEngine: layout must be a Float64Array of 1 + the model's tensor count");
  if (!typed(env, argv[2], napi_uint8_array, (void **)&decay, &ndecay) || ndecay != tensors) return fail(env, "createEngine: decay must be a Uint8Array of the model's tensor count");
  int32_t threads;
  CHECK(napi_get_value_int32(env, argv[3], &threads));
  long offsets[tensors];
  for (size_t i = 0; i < tensors; i++) offsets[i] = (long)lay[1 + i];
  const char *error = NULL;
  Engine *e = engine_create(&shape, offsets, (long)lay[0], decay, threads, &error);
  if (!e) {
    char message[256];
    snprintf(message, sizeof message, "createEngine: %s", error ? error : "failed");
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  return make_handle(env, e, HANDLE_ENGINE, finalize);
}

/** The batch fields of a { size, seqLen, inputs, trackIndex, present?, labels?, auxLabels?, weights?, scored? } object. */
static int batch_of(napi_env env, napi_value object, const Shape *shape, int training, BatchArgs *b, const char **error) {
  const int features = shape->features;
  double size, seqLen;
  size_t n;
  if (!number(env, object, "size", &size) || !number(env, object, "seqLen", &seqLen) || size < 0 || seqLen < 1) return *error = "batch: size and seqLen must be numbers", 0;
  b->size = (int)size;
  b->seqLen = (int)seqLen;
  if (shape->kind == MODEL_TRANSFORMER && b->seqLen > shape->maxLen) return *error = "batch: seqLen exceeds the Transformer's positional table", 0;
  const size_t positions = (size_t)b->size * (size_t)b->seqLen;
  if (!property(env, object, "inputs", napi_float32_array, (void **)&b->inputs, &n) || n != positions * (size_t)features) return *error = "batch.inputs: a Float32Array of size·seqLen·features", 0;
  if (!property(env, object, "trackIndex", napi_int32_array, (void **)&b->keys, &n) || n != positions) return *error = "batch.trackIndex: an Int32Array of size·seqLen", 0;
  b->present = b->labels = b->auxLabels = b->weights = b->scored = NULL;
  if (shape->kind == MODEL_TRANSFORMER && (!property(env, object, "present", napi_float32_array, (void **)&b->present, &n) || n != positions))
    return *error = "batch.present: a Float32Array of size·seqLen (the Transformer masks padded keys)", 0;
  if (!training) return 1;
  if (!property(env, object, "labels", napi_float32_array, (void **)&b->labels, &n) || n != positions) return *error = "batch.labels: a Float32Array of size·seqLen", 0;
  if (!property(env, object, "auxLabels", napi_float32_array, (void **)&b->auxLabels, &n) || n != positions * AUX_OUTPUTS) return *error = "batch.auxLabels: a Float32Array of size·seqLen·4", 0;
  if (!property(env, object, "weights", napi_float32_array, (void **)&b->weights, &n) || n != positions) return *error = "batch.weights: a Float32Array of size·seqLen", 0;
  if (!property(env, object, "scored", napi_float32_array, (void **)&b->scored, &n) || n != positions) return *error = "batch.scored: a Float32Array of size·seqLen", 0;
  return 1;
}

/** pass Float64Array [auxWeights (one per auxiliary output), denominator, dropScale, dropThreshold], seeds Uint32Array[dropout sites] */
static int pass_of(napi_env env, napi_value passValue, napi_value seedsValue, int sites, PassOptions *o, const char **error) {
  double *pass;
  uint32_t *seeds;
  size_t n, ns;
  if (!typed(env, passValue, napi_float64_array, (void **)&pass, &n) || n != AUX_OUTPUTS + 3) return *error = "pass: a Float64Array of 7", 0;
  if (!typed(env, seedsValue, napi_uint32_array, (void **)&seeds, &ns) || ns != (size_t)sites) return *error = "seeds: a Uint32Array with one seed per dropout site", 0;
  *o = (PassOptions){.denominator = (float)pass[AUX_OUTPUTS], .dropScale = (float)pass[AUX_OUTPUTS + 1], .dropThreshold = (uint32_t)pass[AUX_OUTPUTS + 2], .siteSeeds = seeds};
  for (int k = 0; k < AUX_OUTPUTS; k++) o->auxWeights[k] = (float)pass[k];
  return 1;
}

typedef struct {
  Engine *e;
  float *params;
  size_t nparams;
} Target;

/** The engine, the parameter vector and its length, from the first two arguments. */
static int target_of(napi_env env, napi_value *argv, Target *t) {
  t->e = engine_of(env, argv[0]);
  return t->e && typed(env, argv[1], napi_float32_array, (void **)&t->params, &t->nparams);
}

static long total_of(Engine *e) { return engine_parameters(e); }

static napi_value put_stats(napi_env env, napi_value outValue, const StepStats *st) {
  double *out;
  size_t n;
  if (!typed(env, outValue, napi_float64_array, (void **)&out, &n) || n != 4 + AUX_OUTPUTS) return fail(env, "out: a Float64Array of 8");
  out[0] = st->loss, out[1] = st->correct, out[2] = st->count, out[3] = st->gradNorm;
  for (int k = 0; k < AUX_OUTPUTS; k++) out[4 + k] = st->aux[k];
  return NULL;
}

/** A Float32Array of the model's parameter count (params, m, v, grads). */
static int parameter_vector(napi_env env, Engine *e, napi_value value, float **data) {
  size_t n;
  return typed(env, value, napi_float32_array, (void **)data, &n) && (long)n == total_of(e);
}

static napi_value out_of_memory(napi_env env) {
  napi_throw_error(env, "ENOMEM", "skiptrain native: out of memory for this batch's activations");
  return NULL;
}

/** The arguments trainStep and gradients share: (engine, params, batch, pass, seeds); NULL error when they parse. */
static const char *training_args(napi_env env, napi_value *argv, Target *t, BatchArgs *b, PassOptions *pass) {
  const char *error = "(engine, params, batch, pass, seeds, …): the first two are not an engine and a Float32Array";
  if (!target_of(env, argv, t)) return error;
  if ((long)t->nparams != total_of(t->e)) return "params: a Float32Array of the model's parameter count";
  error = NULL;
  if (!batch_of(env, argv[2], engine_shape(t->e), 1, b, &error) || !pass_of(env, argv[3], argv[4], engine_dropout_sites(engine_shape(t->e)), pass, &error)) return error;
  return NULL;
}

/** trainStep(engine, params, batch, pass, seeds, m, v, optimizer Float64Array[7], out Float64Array[8]) */
static napi_value train_step(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) return fail(env, "trainStep(engine, params, batch, pass, seeds, m, v, optimizer, out)");
  Target t;
  BatchArgs b;
  PassOptions pass;
  const char *error = training_args(env, argv, &t, &b, &pass);
  if (error) return fail(env, error);
  float *m, *v;
  if (!parameter_vector(env, t.e, argv[5], &m) || !parameter_vector(env, t.e, argv[6], &v)) return fail(env, "trainStep: m and v must be Float32Arrays of the model's parameter count");
  double *opt;
  size_t nopt;
  if (!typed(env, argv[7], napi_float64_array, (void **)&opt, &nopt) || nopt != 7) return fail(env, "optimizer: a Float64Array of 7");
  // optimizer: lr, beta1, beta2, epsilon, weightDecay, clipNorm, step
  OptimizerArgs o = {.lr = (float)opt[0], .beta1 = (float)opt[1], .beta2 = (float)opt[2], .epsilon = (float)opt[3], .weightDecay = (float)opt[4], .clipNorm = (float)opt[5], .step = opt[6]};
  StepStats st;
  if (engine_step(t.e, t.params, m, v, &b, &pass, &o, &st) != 0) return out_of_memory(env);
  return put_stats(env, argv[8], &st);
}

/** gradients(engine, params, batch, pass, seeds, grads Float32Array, out Float64Array[8]) */
static napi_value gradients(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) return fail(env, "gradients(engine, params, batch, pass, seeds, grads, out)");
  Target t;
  BatchArgs b;
  PassOptions pass;
  const char *error = training_args(env, argv, &t, &b, &pass);
  if (error) return fail(env, error);
  float *grads;
  if (!parameter_vector(env, t.e, argv[5], &grads)) return fail(env, "gradients: grads must be a Float32Array of the model's parameter count");
  StepStats st;
  if (engine_gradients(t.e, t.params, &b, &pass, grads, &st) != 0) return out_of_memory(env);
  return put_stats(env, argv[6], &st);
}

/** logits(engine, params, batch, out Float32Array[size·seqLen]) */
static napi_value logits(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Target t;
  if (argc < 4 || !target_of(env, argv, &t)) return fail(env, "logits(engine, params, batch, out)");
  if ((long)t.nparams != total_of(t.e)) return fail(env, "logits: params must be a Float32Array of the model's parameter count");
  const char *error = NULL;
  BatchArgs b;
  if (!batch_of(env, argv[2], engine_shape(t.e), 0, &b, &error)) return fail(env, error);
  float *out;
  size_t n;
  if (!typed(env, argv[3], napi_float32_array, (void **)&out, &n) || n != (size_t)b.size * (size_t)b.seqLen) return fail(env, "logits: out must be a Float32Array of size·seqLen");
  if (engine_logits(t.e, t.params, &b, out) != 0) return out_of_memory(env);
  return NULL;
}

/** dropout(engine, x Float32Array, first, seed, threshold, scale): x ⊙= the mask, in place (tests). */
static napi_value dropout(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Engine *e = argc == 6 ? engine_of(env, argv[0]) : NULL;
  float *x;
  size_t n;
  if (!e || !typed(env, argv[1], napi_float32_array, (void **)&x, &n)) return fail(env, "dropout(engine, x, first, seed, threshold, scale)");
  uint32_t first, seed, threshold;
  double scale;
  CHECK(napi_get_value_uint32(env, argv[2], &first));
  CHECK(napi_get_value_uint32(env, argv[3], &seed));
  CHECK(napi_get_value_uint32(env, argv[4], &threshold));
  CHECK(napi_get_value_double(env, argv[5], &scale));
  engine_dropout(e, x, (long)n, first, seed, threshold, (float)scale);
  return NULL;
}

/** phases(engine, out Float64Array[PHASES]): ms per phase since the last call (engine.h, engine_phases). */
static napi_value phases(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Engine *e = argc == 2 ? engine_of(env, argv[0]) : NULL;
  double *out;
  size_t n;
  if (!e || !typed(env, argv[1], napi_float64_array, (void **)&out, &n) || n != PHASES) return fail(env, "phases(engine, out Float64Array[6])");
  engine_phases(e, out);
  return NULL;
}

static napi_value isa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Engine *e = argc == 1 ? engine_of(env, argv[0]) : NULL;
  if (!e) return fail(env, "isa(engine)");
  CHECK(napi_create_string_utf8(env, engine_isa(e), NAPI_AUTO_LENGTH, &result));
  return result;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
      {"createEngine", NULL, create_engine, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trainStep", NULL, train_step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gradients", NULL, gradients, NULL, NULL, NULL, napi_enumerable, NULL},
      {"logits", NULL, logits, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dropout", NULL, dropout, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isa", NULL, isa, NULL, NULL, NULL, napi_enumerable, NULL},
      {"phases", NULL, phases, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof *functions, functions) != napi_ok) return NULL;
  if (!batch_encoder_register(env, exports)) return NULL;
  if (!range_scanner_register(env, exports)) return NULL;
  if (!crc32c_register(env, exports)) return NULL;
  return exports;
}

// The batch encoder in C: sessions of session blocks into a batch's typed arrays, the same numbers as the JavaScript
// encoder (batches.ts BatchEncoder.session + features.ts encodeSession, its reference in the tests), bit for bit.
// Bit for bit holds because every value is computed as JavaScript computes it: in double, rounded to float once on
// the store; the few transcendental values (log1p of a seek count, sin/cos of an hour) come from tables that
// JavaScript filled; and no multiply-add is fused (that would round once where JavaScript rounds twice). The track
// features are standardised that way once per run, into a table of their own (createStandardTable): a play's
// features are then a copy of its track's row, where computing them cost a seventh of the encoder's time.
// The layout, flag bits and sizes come from JavaScript by name at creation: this file holds no copy of them.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "../../../util/native/napiArgs.h"
#include "batchEncoder.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MAX_T 64
#define MAX_ACOUSTIC 16
/** Floats per row of a standardised table: 29 features padded to two whole cache lines. */
#define STANDARD_STRIDE 32

/** Offsets of the input vector's blocks (features.ts LAYOUT), read by these names. */
static const char *const OFFSET_NAMES[] = {"track",        "trackUnknown",   "position",   "length",      "remaining",  "isLast",      "contextKnown",
                                           "premium",      "shuffle",        "contextSwitch", "noPause",  "shortPause", "longPause",   "contextType",
                                           "reasonStart",  "hourSin",        "hourCos",    "weekday",     "prevKnown",  "prevSkip1",   "prevSkip2",
                                           "prevSkip3",    "prevNotSkipped", "prevReasonEnd", "prevSeekFwd", "prevSeekBack", "historyCount",
                                           "historySkipRate", "lastKnownSkip", "simToListened", "simToSkipped"};
enum {
  TRACK, TRACK_UNKNOWN, POSITION, LENGTH, REMAINING, IS_LAST, CONTEXT_KNOWN, PREMIUM, SHUFFLE, CONTEXT_SWITCH, NO_PAUSE, SHORT_PAUSE,
  LONG_PAUSE, CONTEXT_TYPE, REASON_START, HOUR_SIN, HOUR_COS, WEEKDAY, PREV_KNOWN, PREV_SKIP1, PREV_SKIP2, PREV_SKIP3, PREV_NOT_SKIPPED,
  PREV_REASON_END, PREV_SEEK_FWD, PREV_SEEK_BACK, HISTORY_COUNT, HISTORY_SKIP_RATE, LAST_KNOWN_SKIP, SIM_TO_LISTENED, SIM_TO_SKIPPED, OFFSETS
};

/** Bits of SessionBlock.flags (block.ts FLAG_NAMES), read by these names. */
static const char *const FLAG_NAMES[] = {"skip1", "skip2", "skip3", "notSkipped", "contextSwitch", "noPause", "shortPause", "longPause", "shuffle", "premium"};
enum { F_SKIP1, F_SKIP2, F_SKIP3, F_NOT_SKIPPED, F_CONTEXT_SWITCH, F_NO_PAUSE, F_SHORT_PAUSE, F_LONG_PAUSE, F_SHUFFLE, F_PREMIUM, FLAGS };

/** Sizes, read by these names. */
static const char *const SIZE_NAMES[] = {"features", "maxLength", "trackFeatures", "acousticFirst", "acoustic", "contextTypes", "reasonsStart", "reasonsEnd", "labelBit", "unknownIsError"};
enum { FEATURES, MAX_LENGTH, TRACK_FEATURES, ACOUSTIC_FIRST, ACOUSTIC, CONTEXT_TYPES, REASONS_START, REASONS_END, LABEL_BIT, UNKNOWN_IS_ERROR, SIZES };

/**
 * The track table's features standardised once for a run (the values encodeSession computes for every play), a row
 * of STANDARD_STRIDE floats per track: encoding a play is then a copy, and a row is two aligned cache lines.
 */
typedef struct {
  float *rows;
  long tracks;
  int features;
} StandardTable;

/** What an encoder holds: the standardised track table, the tables JavaScript filled, the layout. */
typedef struct {
  int size[SIZES];
  int off[OFFSETS];
  int bit[FLAGS];
  const StandardTable *standard;
  const float *log1pTable, *hourSin, *hourCos;
  const int32_t *keys;
  napi_ref refs[5];
} Encoder;

/** One session block's columns (block.ts SESSION_COLUMNS, ROW_COLUMNS) and the per-block lookups JavaScript made. */
typedef struct {
  const uint32_t *rowEnd;
  const uint8_t *sessionLength, *position, *hour;
  const int32_t *trackRow, *extraRows;
  const uint16_t *flags, *categories, *date, *seekFwd, *seekBack;
  const int8_t *weekdays;
  size_t sessions, rows, extras, dates;
  napi_ref refs[12];
} Block;

/** A typed array, and a reference that keeps it alive while this module holds its data; 0 on a wrong type. */
static int held(napi_env env, napi_value value, napi_typedarray_type type, const void **data, size_t *length, napi_ref *ref) {
  return typed(env, value, type, (void **)data, length) && napi_create_reference(env, value, 1, ref) == napi_ok;
}

/** A typed array property of `object`, held. */
static int held_property(napi_env env, napi_value object, const char *name, napi_typedarray_type type, const void **data, size_t *length, napi_ref *ref) {
  napi_value value;
  return napi_get_named_property(env, object, name, &value) == napi_ok && held(env, value, type, data, length, ref);
}

/** Integer properties of `object` named by `names`. */
static int integers(napi_env env, napi_value object, const char *const *names, int n, int *out) {
  for (int i = 0; i < n; i++) {
    napi_value value;
    if (napi_get_named_property(env, object, names[i], &value) != napi_ok || napi_get_value_int32(env, value, &out[i]) != napi_ok) return 0;
  }
  return 1;
}

static void release(napi_env env, napi_ref *refs, int n) {
  for (int i = 0; i < n; i++)
    if (refs[i]) napi_delete_reference(env, refs[i]);
}

static void finalize_encoder(napi_env env, void *data, void *hint) {
  (void)hint;
  Encoder *e = data;
  release(env, e->refs, 5);
  free(e);
}

static void finalize_standard(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  StandardTable *t = data;
  free(t->rows);
  free(t);
}

static void finalize_block(napi_env env, void *data, void *hint) {
  (void)hint;
  Block *k = data;
  release(env, k->refs, 12);
  free(k);
}

/** features.ts clip, one value: the same selects in the same order, so NaN stays NaN as it does there. */
static inline double clip(double x) {
  const double below = x > 5 ? 5 : x;
  return below < -5 ? -5 : below;
}

/** features.ts: clip((feature − mean) · invStd) into ±5, in double, two at a time where SSE2 is. */
static void standardise(const float *restrict row, const float *restrict mean, const float *restrict invStd, int n, float *restrict out) {
  int i = 0;
#ifdef __SSE2__
  // min(5, x) is `x > 5 ? 5 : x` and max(−5, y) is `y < −5 ? −5 : y`, NaN included (SSE returns the second operand).
  const __m128d hi = _mm_set1_pd(5), lo = _mm_set1_pd(-5);
  for (; i + 2 <= n; i += 2) {
    const __m128d x = _mm_mul_pd(_mm_sub_pd(_mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double *)(row + i)))), _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double *)(mean + i))))),
                                 _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double *)(invStd + i)))));
    _mm_store_sd((double *)(out + i), _mm_castps_pd(_mm_cvtpd_ps(_mm_max_pd(lo, _mm_min_pd(hi, x)))));
  }
#endif
  for (; i < n; i++) out[i] = (float)clip(((double)row[i] - mean[i]) * invStd[i]);
}

/** Memory for `bytes` of table on 2 MB pages where the system has them: random rows then miss the TLB far less. */
static void *table_memory(size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  bytes = (bytes + huge - 1) & ~(huge - 1);
  void *p = aligned_alloc(huge, bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p) madvise(p, bytes, MADV_HUGEPAGE); // advice: without it (or with it refused) the table is on ordinary pages
#endif
  return p;
}

/**
 * createStandardTable(features Float32Array, width, mean Float32Array, invStd Float32Array): the track table
 * (`width` floats per track) with its first mean.length features standardised as encodeSession does, for
 * createBatchEncoder.
 */
static napi_value create_standard_table(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const float *features, *mean, *invStd;
  size_t nFeatures, nMean, nInv;
  int32_t width;
  if (argc < 4 || !typed(env, argv[0], napi_float32_array, (void **)&features, &nFeatures) || napi_get_value_int32(env, argv[1], &width) != napi_ok ||
      !typed(env, argv[2], napi_float32_array, (void **)&mean, &nMean) || !typed(env, argv[3], napi_float32_array, (void **)&invStd, &nInv))
    return fail(env, "createStandardTable(features Float32Array, width, mean Float32Array, invStd Float32Array)");
  if (width < 1 || nMean != nInv || nMean > STANDARD_STRIDE || nMean > (size_t)width || nFeatures % (size_t)width != 0)
    return fail(env, "createStandardTable: mean and invStd one per standardised feature (at most 32, at most width); features whole rows of width");
  StandardTable *t = calloc(1, sizeof *t);
  const long tracks = (long)(nFeatures / (size_t)width);
  if (t) t->rows = table_memory(sizeof(float) * STANDARD_STRIDE * (size_t)(tracks ? tracks : 1));
  if (!t || !t->rows) {
    free(t);
    return fail(env, "createStandardTable: out of memory");
  }
  t->tracks = tracks;
  t->features = (int)nMean;
  for (long r = 0; r < tracks; r++) {
    float *row = t->rows + r * STANDARD_STRIDE;
    standardise(features + r * width, mean, invStd, t->features, row);
    memset(row + t->features, 0, sizeof(float) * (STANDARD_STRIDE - t->features));
  }
  return make_handle(env, t, HANDLE_STANDARD_TABLE, finalize_standard);
}

/**
 * createBatchEncoder({ sizes, offsets, flagBits, standard, keys, log1p, hourSin, hourCos }): sizes, offsets and
 * flagBits are objects of integers by name; standard a createStandardTable handle; the rest typed arrays.
 */
static napi_value create_encoder(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, part;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  if (argc < 1) return fail(env, "createBatchEncoder(options)");
  Encoder *e = calloc(1, sizeof *e);
  if (!e) return fail(env, "createBatchEncoder: out of memory");
  const char *error = NULL;
  size_t nKeys, nLog, nSin, nCos;
  napi_value standard;
  void *table = NULL;
  if (napi_get_named_property(env, arg, "sizes", &part) != napi_ok || !integers(env, part, SIZE_NAMES, SIZES, e->size)) error = "sizes: an object of integers";
  else if (napi_get_named_property(env, arg, "offsets", &part) != napi_ok || !integers(env, part, OFFSET_NAMES, OFFSETS, e->off)) error = "offsets: the input layout's offsets by name";
  else if (napi_get_named_property(env, arg, "flagBits", &part) != napi_ok || !integers(env, part, FLAG_NAMES, FLAGS, e->bit)) error = "flagBits: the flag bits by name";
  else if (napi_get_named_property(env, arg, "standard", &standard) != napi_ok || !(table = handle_data(env, standard, HANDLE_STANDARD_TABLE)) ||
           napi_create_reference(env, standard, 1, &e->refs[0]) != napi_ok)
    error = "standard: a createStandardTable handle";
  else if (!held_property(env, arg, "keys", napi_int32_array, (const void **)&e->keys, &nKeys, &e->refs[1]) ||
           !held_property(env, arg, "log1p", napi_float32_array, (const void **)&e->log1pTable, &nLog, &e->refs[2]) ||
           !held_property(env, arg, "hourSin", napi_float32_array, (const void **)&e->hourSin, &nSin, &e->refs[3]) ||
           !held_property(env, arg, "hourCos", napi_float32_array, (const void **)&e->hourCos, &nCos, &e->refs[4]))
    error = "log1p, hourSin, hourCos: Float32Arrays; keys: an Int32Array";
  else {
    const int *z = e->size;
    e->standard = table;
    if (z[MAX_LENGTH] < 1 || z[MAX_LENGTH] > MAX_T || z[ACOUSTIC] < 0 || z[ACOUSTIC] > MAX_ACOUSTIC || z[ACOUSTIC_FIRST] + z[ACOUSTIC] > z[TRACK_FEATURES])
      error = "sizes out of range";
    else if (e->standard->features != z[TRACK_FEATURES] || nKeys != (size_t)e->standard->tracks || nLog != 65536 || nSin != 256 || nCos != 256)
      error = "standard: one feature per track feature; keys: one per track; log1p: 65536; hourSin/hourCos: 256";
    // Every store below must land inside one position's F floats.
    for (int i = 0; !error && i < OFFSETS; i++)
      if (e->off[i] < 0 || e->off[i] >= z[FEATURES]) error = "offsets outside the input vector";
    if (!error && (e->off[TRACK] + z[TRACK_FEATURES] > z[FEATURES] || e->off[CONTEXT_TYPE] + z[CONTEXT_TYPES] >= z[FEATURES] ||
                   e->off[REASON_START] + z[REASONS_START] >= z[FEATURES] || e->off[PREV_REASON_END] + z[REASONS_END] >= z[FEATURES] ||
                   e->off[WEEKDAY] + 6 >= z[FEATURES]))
      error = "a block of the layout runs past the input vector";
  }
  if (error) {
    release(env, e->refs, 5);
    free(e);
    return fail(env, error);
  }
  return make_handle(env, e, HANDLE_BATCH_ENCODER, finalize_encoder);
}

/** createBatchBlock(block, extraRows Int32Array, weekdays Int8Array): a block's columns, held for encodeBatch. */
static napi_value create_block(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return fail(env, "createBatchBlock(block, extraRows, weekdays)");
  Block *k = calloc(1, sizeof *k);
  if (!k) return fail(env, "createBatchBlock: out of memory");
  size_t n[12] = {0};
  int ok = held_property(env, argv[0], "rowEnd", napi_uint32_array, (const void **)&k->rowEnd, &n[0], &k->refs[0]) &&
           held_property(env, argv[0], "sessionLength", napi_uint8_array, (const void **)&k->sessionLength, &n[1], &k->refs[1]) &&
           held_property(env, argv[0], "trackRow", napi_int32_array, (const void **)&k->trackRow, &n[2], &k->refs[2]) &&
           held_property(env, argv[0], "flags", napi_uint16_array, (const void **)&k->flags, &n[3], &k->refs[3]) &&
           held_property(env, argv[0], "categories", napi_uint16_array, (const void **)&k->categories, &n[4], &k->refs[4]) &&
           held_property(env, argv[0], "date", napi_uint16_array, (const void **)&k->date, &n[5], &k->refs[5]) &&
           held_property(env, argv[0], "seekFwd", napi_uint16_array, (const void **)&k->seekFwd, &n[6], &k->refs[6]) &&
           held_property(env, argv[0], "seekBack", napi_uint16_array, (const void **)&k->seekBack, &n[7], &k->refs[7]) &&
           held_property(env, argv[0], "position", napi_uint8_array, (const void **)&k->position, &n[8], &k->refs[8]) &&
           held_property(env, argv[0], "hour", napi_uint8_array, (const void **)&k->hour, &n[9], &k->refs[9]) &&
           held(env, argv[1], napi_int32_array, (const void **)&k->extraRows, &n[10], &k->refs[10]) &&
           held(env, argv[2], napi_int8_array, (const void **)&k->weekdays, &n[11], &k->refs[11]);
  k->sessions = n[0], k->rows = n[2], k->extras = n[10], k->dates = n[11];
  if (ok && (n[1] != n[0] || n[3] != n[2] || n[4] != n[2] || n[5] != n[2] || n[6] != n[2] || n[7] != n[2] || n[8] != n[2] || n[9] != n[2])) ok = 0;
  if (!ok) {
    release(env, k->refs, 12);
    free(k);
    return fail(env, "createBatchBlock: a session block's columns (block.ts), an Int32Array of extra rows and an Int8Array of weekdays");
  }
  return make_handle(env, k, HANDLE_BATCH_BLOCK, finalize_block);
}

/** The batch's arrays (types.ts Batch), each B·T long (auxLabels B·T·4, inputs B·T·F, lengths B). */
typedef struct {
  float *inputs, *mask, *labels, *auxLabels, *present, *known;
  int32_t *trackIndex, *reasonEnd, *lengths;
} Out;

/** Cosine between v[0..n) and a summed vector (features.ts cosine: the same sums in the same order). */
static double cosine(const float *v, const float *sum, int n) {
  double dot = 0, a = 0, b = 0;
  for (int i = 0; i < n; i++) {
    const double x = v[i], s = sum[i];
    dot += x * s;
    a += x * x;
    b += s * s;
  }
  return a > 0 && b > 0 ? dot / sqrt(a * b) : 0;
}

static inline int min_int(int a, int b) { return a < b ? a : b; }

/** features.ts encodeSession: positions 0..nSlots of one session into `x` (T·F floats, zero on entry). */
static void encode_inputs(const Encoder *e, const Block *k, const int32_t *slotRow, const int32_t *trackRows, int nSlots, int nKnown, int length, float *x) {
  const int *z = e->size, *off = e->off, *bit = e->bit;
  const int F = z[FEATURES], T = z[MAX_LENGTH], NA = z[ACOUSTIC], NT = z[TRACK_FEATURES];
  float listened[MAX_ACOUSTIC] = {0}, skipped[MAX_ACOUSTIC] = {0};
  int nListened = 0, nSkipped = 0, nSkips = 0, nHist = 0, lastKnownSkip = -1, prev = -1;
  for (int t = 0; t < nSlots; t++) {
    float *o = x + (long)t * F;
    const int trackRow = trackRows[t];
    if (trackRow >= 0) {
      memcpy(o + off[TRACK], e->standard->rows + (long)trackRow * STANDARD_STRIDE, sizeof(float) * NT);
    } else {
      o[off[TRACK_UNKNOWN]] = 1;
    }
    const int pos = t + 1;
    o[off[POSITION]] = (float)((double)pos / T);
    o[off[LENGTH]] = (float)((double)length / T);
    o[off[REMAINING]] = (float)((double)(length - pos) / T);
    o[off[IS_LAST]] = pos == length && length < T ? 1 : 0;
    const int r = t < nKnown ? slotRow[t] : -1;
    if (r >= 0) {
      const int f = k->flags[r], c = k->categories[r];
      o[off[CONTEXT_KNOWN]] = 1;
      if (f & bit[F_PREMIUM]) o[off[PREMIUM]] = 1;
      if (f & bit[F_SHUFFLE]) o[off[SHUFFLE]] = 1;
      if (f & bit[F_CONTEXT_SWITCH]) o[off[CONTEXT_SWITCH]] = 1;
      if (f & bit[F_NO_PAUSE]) o[off[NO_PAUSE]] = 1;
      if (f & bit[F_SHORT_PAUSE]) o[off[SHORT_PAUSE]] = 1;
      if (f & bit[F_LONG_PAUSE]) o[off[LONG_PAUSE]] = 1;
      o[off[CONTEXT_TYPE] + min_int(c & 0xf, z[CONTEXT_TYPES])] = 1;
      o[off[REASON_START] + min_int((c >> 4) & 0xf, z[REASONS_START])] = 1;
      o[off[HOUR_SIN]] = e->hourSin[k->hour[r]];
      o[off[HOUR_COS]] = e->hourCos[k->hour[r]];
      const int wd = k->weekdays[k->date[r]];
      if (wd >= 0) o[off[WEEKDAY] + wd] = 1;
    }
    if (prev >= 0) {
      const int f = k->flags[prev];
      o[off[PREV_KNOWN]] = 1;
      if (f & bit[F_SKIP1]) o[off[PREV_SKIP1]] = 1;
      if (f & bit[F_SKIP2]) o[off[PREV_SKIP2]] = 1;
      if (f & bit[F_SKIP3]) o[off[PREV_SKIP3]] = 1;
      if (f & bit[F_NOT_SKIPPED]) o[off[PREV_NOT_SKIPPED]] = 1;
      o[off[PREV_REASON_END] + min_int((k->categories[prev] >> 8) & 0xf, z[REASONS_END])] = 1;
      if (k->seekFwd[prev]) o[off[PREV_SEEK_FWD]] = e->log1pTable[k->seekFwd[prev]];
      if (k->seekBack[prev]) o[off[PREV_SEEK_BACK]] = e->log1pTable[k->seekBack[prev]];
    }
    o[off[HISTORY_COUNT]] = (float)((double)nHist / T);
    o[off[HISTORY_SKIP_RATE]] = nHist ? (float)((double)nSkips / nHist) : 0.5f;
    o[off[LAST_KNOWN_SKIP]] = lastKnownSkip >= 0 ? (float)lastKnownSkip : 0.5f;
    const float *acoustic = o + off[TRACK] + z[ACOUSTIC_FIRST];
    if (trackRow >= 0) {
      o[off[SIM_TO_LISTENED]] = nListened ? (float)cosine(acoustic, listened, NA) : 0;
      o[off[SIM_TO_SKIPPED]] = nSkipped ? (float)cosine(acoustic, skipped, NA) : 0;
    }
    prev = r;
    if (r >= 0) {
      nHist++;
      const int skip = (k->flags[r] & bit[F_SKIP2]) != 0; // the history's skips are skip_2, whatever the label
      lastKnownSkip = skip;
      nSkips += skip;
      if (trackRow >= 0) {
        float *acc = skip ? skipped : listened;
        for (int i = 0; i < NA; i++) acc[i] += acoustic[i];
        if (skip) nSkipped++;
        else nListened++;
      }
    }
  }
}

enum { ENCODED = -1, BAD_INDEX = -2 };

/** What the first pass finds of a session and the second pass encodes. */
typedef struct {
  int32_t slotRow[MAX_T];   // block row at each position (-1: none)
  int32_t trackRows[MAX_T]; // its track-table row (-1: unknown)
  int nSlots, nKnown, length;
} Found;

/**
 * batches.ts BatchEncoder.session, all but the inputs: session s of block k into row b's labels, masks and track
 * keys; the session's positions into `found`, its track rows prefetched for the second pass. ENCODED, BAD_INDEX
 * when the block's columns point outside themselves, or b when the session has a track the table lacks and that is
 * an error.
 */
static int gather_session(const Encoder *e, const Block *k, size_t s, int knownLimit, int scoreHidden, int withLabels, const Out *out, int b, Found *found) {
  const int *z = e->size;
  const int T = z[MAX_LENGTH];
  if (s >= k->sessions) return BAD_INDEX;
  const uint32_t start = s ? k->rowEnd[s - 1] : 0, end = k->rowEnd[s];
  if (start > end || end > k->rows) return BAD_INDEX;
  int32_t *slotRow = found->slotRow, *trackRows = found->trackRows;
  for (int t = 0; t < T; t++) slotRow[t] = trackRows[t] = -1;
  int nSlots = 0;
  for (uint32_t i = start; i < end; i++) {
    const int p = k->position[i];
    if (p < 1 || p > T) continue;
    slotRow[p - 1] = (int32_t)i; // a repeated position: the later row wins
    if (p > nSlots) nSlots = p;
  }
  const int nKnown = min_int(nSlots, knownLimit);
  const int maskFrom = scoreHidden ? nKnown : 0;
  const long at = (long)b * T;
  // The batch comes uninitialised (batches.ts emptyBatch): every value of the row is written, zeros too.
  memset(out->mask + at, 0, sizeof(float) * T), memset(out->labels + at, 0, sizeof(float) * T), memset(out->auxLabels + at * 4, 0, sizeof(float) * 4 * T);
  memset(out->present + at, 0, sizeof(float) * T), memset(out->known + at, 0, sizeof(float) * T);
  for (int t = 0; t < T; t++) out->reasonEnd[at + t] = -1;
  for (int t = 0; t < nSlots; t++) {
    const int32_t i = slotRow[t];
    if (i < 0) {
      trackRows[t] = -1;
      continue;
    }
    const int32_t v = k->trackRow[i];
    if (v < 0 && (size_t)(-1L - v) >= k->extras) return BAD_INDEX;
    const int32_t row = v >= 0 ? v : k->extraRows[-1 - v];
    if (row >= e->standard->tracks || k->date[i] >= k->dates) return BAD_INDEX;
    if (row < 0 && z[UNKNOWN_IS_ERROR]) return b;
    trackRows[t] = row;
    // The track table is far larger than the caches: its rows and keys are fetched now, read in the second pass.
    if (row >= 0) {
      const float *standard = e->standard->rows + (long)row * STANDARD_STRIDE;
      __builtin_prefetch(standard), __builtin_prefetch(standard + 16);
      __builtin_prefetch(e->keys + row);
    }
    out->present[at + t] = 1;
    if (t < nKnown) out->known[at + t] = 1;
    const int f = k->flags[i];
    if (withLabels) {
      float *aux = out->auxLabels + (at + t) * 4;
      if (f & e->bit[F_SKIP1]) aux[0] = 1;
      if (f & e->bit[F_SKIP2]) aux[1] = 1;
      if (f & e->bit[F_SKIP3]) aux[2] = 1;
      if (f & e->bit[F_NOT_SKIPPED]) aux[3] = 1;
      out->reasonEnd[at + t] = min_int((k->categories[i] >> 8) & 0xf, z[REASONS_END]);
      if (f & z[LABEL_BIT]) out->labels[at + t] = 1;
    }
    if (t >= maskFrom) out->mask[at + t] = 1;
  }
  found->nSlots = nSlots;
  found->nKnown = nKnown;
  found->length = k->sessionLength[s];
  out->lengths[b] = found->length;
  return ENCODED;
}

/** Asks for where session s's rows begin and end. */
static void prefetch_bounds(const Block *k, size_t s) {
  if (s >= k->sessions) return; // gather_session says so
  __builtin_prefetch(k->rowEnd + s);
  if (s) __builtin_prefetch(k->rowEnd + s - 1);
  __builtin_prefetch(k->sessionLength + s);
}

/** Asks for every column of session s's rows (at most a line or two each). */
static void prefetch_rows(const Block *k, size_t s) {
  if (s >= k->sessions) return;
  const uint32_t start = s ? k->rowEnd[s - 1] : 0, end = k->rowEnd[s];
  if (start >= end || end > k->rows) return;
  const uint32_t last = end - 1;
#define BOTH_ENDS(column) (__builtin_prefetch(k->column + start), __builtin_prefetch(k->column + last))
  BOTH_ENDS(position), BOTH_ENDS(trackRow), BOTH_ENDS(flags), BOTH_ENDS(categories), BOTH_ENDS(date), BOTH_ENDS(hour);
  BOTH_ENDS(seekFwd), BOTH_ENDS(seekBack);
#undef BOTH_ENDS
}

/** Sessions per round of the two passes: their prefetched track rows (~2.5 KB each) stay in the core's cache. */
#define ROUND 32

/**
 * encodeBatch(encoder, blocks [createBatchBlock handles], which Int32Array[B], index Int32Array[B], knownLimit
 * Int32Array[B], scoreHidden Uint8Array[B], labels boolean, batch): session index[b] of blocks[which[b]] into row b
 * of a batch, every value of its rows written. Returns -1, or the first row b whose session has a track the table
 * lacks (the caller words that error, in JavaScript).
 */
static napi_value encode_batch(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Encoder *e = NULL;
  if (argc < 8 || !(e = handle_data(env, argv[0], HANDLE_BATCH_ENCODER))) return fail(env, "encodeBatch(encoder, blocks, which, index, knownLimit, scoreHidden, labels, batch)");
  const int T = e->size[MAX_LENGTH], F = e->size[FEATURES];
  uint32_t nBlocks;
  bool isArray = false;
  if (napi_is_array(env, argv[1], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[1], &nBlocks) != napi_ok) return fail(env, "encodeBatch: blocks must be an array");
  Block *blocks[nBlocks ? nBlocks : 1];
  for (uint32_t j = 0; j < nBlocks; j++) {
    napi_value item;
    void *p = NULL;
    if (napi_get_element(env, argv[1], j, &item) != napi_ok || !(p = handle_data(env, item, HANDLE_BATCH_BLOCK))) return fail(env, "encodeBatch: blocks must hold createBatchBlock's handles");
    blocks[j] = p;
  }
  const int32_t *which, *index, *knownLimit;
  const uint8_t *scoreHidden;
  size_t B, n1, n2, n3;
  bool labels;
  if (!typed(env, argv[2], napi_int32_array, (void **)&which, &B) || !typed(env, argv[3], napi_int32_array, (void **)&index, &n1) ||
      !typed(env, argv[4], napi_int32_array, (void **)&knownLimit, &n2) || !typed(env, argv[5], napi_uint8_array, (void **)&scoreHidden, &n3) ||
      n1 != B || n2 != B || n3 != B || napi_get_value_bool(env, argv[6], &labels) != napi_ok)
    return fail(env, "encodeBatch: which, index, knownLimit (Int32Array) and scoreHidden (Uint8Array), one per session; labels a boolean");
  Out out;
  size_t nInputs, nMask, nLabels, nAux, nReasonEnd, nPresent, nKnown, nTrack, nLengths;
  const size_t positions = B * (size_t)T;
  if (!property(env, argv[7], "inputs", napi_float32_array, (void **)&out.inputs, &nInputs) ||
      !property(env, argv[7], "mask", napi_float32_array, (void **)&out.mask, &nMask) ||
      !property(env, argv[7], "labels", napi_float32_array, (void **)&out.labels, &nLabels) ||
      !property(env, argv[7], "auxLabels", napi_float32_array, (void **)&out.auxLabels, &nAux) ||
      !property(env, argv[7], "present", napi_float32_array, (void **)&out.present, &nPresent) ||
      !property(env, argv[7], "known", napi_float32_array, (void **)&out.known, &nKnown) ||
      !property(env, argv[7], "trackIndex", napi_int32_array, (void **)&out.trackIndex, &nTrack) ||
      !property(env, argv[7], "reasonEnd", napi_int32_array, (void **)&out.reasonEnd, &nReasonEnd) ||
      !property(env, argv[7], "lengths", napi_int32_array, (void **)&out.lengths, &nLengths) || nInputs != positions * (size_t)F ||
      nMask != positions || nLabels != positions || nAux != positions * 4 || nPresent != positions || nKnown != positions || nTrack != positions || nReasonEnd != positions ||
      nLengths != B)
    return fail(env, "encodeBatch: batch arrays of the batch's size (types.ts Batch)");
  for (size_t b = 0; b < B; b++)
    if (which[b] < 0 || (uint32_t)which[b] >= nBlocks || index[b] < 0) return fail(env, "encodeBatch: which or index out of range");
  Found found[ROUND];
  int status = ENCODED;
  for (size_t first = 0; first < B && status == ENCODED; first += ROUND) {
    const size_t n = B - first < ROUND ? B - first : ROUND;
    // Shuffled sessions sit anywhere in their blocks: their rows are fetched for a round at a time, so that the
    // cache misses overlap instead of coming one after another.
    for (size_t j = 0; j < n; j++) prefetch_bounds(blocks[which[first + j]], (size_t)index[first + j]);
    for (size_t j = 0; j < n; j++) prefetch_rows(blocks[which[first + j]], (size_t)index[first + j]);
    for (size_t j = 0; j < n && status == ENCODED; j++) {
      const size_t b = first + j;
      status = gather_session(e, blocks[which[b]], (size_t)index[b], knownLimit[b], scoreHidden[b], labels, &out, (int)b, &found[j]);
    }
    for (size_t j = 0; j < n && status == ENCODED; j++) {
      const size_t b = first + j;
      const Found *f = &found[j];
      float *inputs = out.inputs + (long)b * T * F;
      memset(inputs, 0, sizeof(float) * T * F);
      encode_inputs(e, blocks[which[b]], f->slotRow, f->trackRows, f->nSlots, f->nKnown, f->length, inputs);
      for (int t = 0; t < T; t++) out.trackIndex[(long)b * T + t] = t < f->nSlots && f->trackRows[t] >= 0 ? e->keys[f->trackRows[t]] : -1;
    }
  }
  if (status == BAD_INDEX) return fail(env, "encodeBatch: a session block's columns point outside the block");
  CHECK(napi_create_int32(env, status, &result));
  return result;
}

int batch_encoder_register(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"createStandardTable", NULL, create_standard_table, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createBatchEncoder", NULL, create_encoder, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createBatchBlock", NULL, create_block, NULL, NULL, NULL, napi_enumerable, NULL},
      {"encodeBatch", NULL, encode_batch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof functions / sizeof *functions, functions) == napi_ok;
}

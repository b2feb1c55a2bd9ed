// The range parser's common case in C (nativeRangeScanner.ts is its TypeScript side): consecutive lines of a byte
// range read into the range's columns exactly as rangeParser.ts byteRow reads them, until a line it cannot finish
// alone. That line is left to JavaScript (byteRow, else the reference parser), which owns every other rule: a date
// spelling not yet read in the range, a value outside a vocabulary, a spelling byteRow refuses, full columns. So this
// file holds the fast path only: no error message, no date rule, no vocabulary but the one JavaScript passes.
// Session ids and new track ids are recorded as byte ranges; JavaScript makes their strings after the call.
// Every typed array and position from JavaScript is checked: a wrong one is a TypeError, never a read out of bounds.
#include <stdint.h>
#include <string.h>
#include "../../../util/native/napiArgs.h"
#include "rangeScanner.h"

#define NL 0x0a
#define CR 0x0d
#define COMMA 0x2c
#define CATEGORIES 3
#define MAX_HOUR 23
/** Date spellings the state can hold (nativeRangeScanner.ts DATES_SEEN). */
#define DATES_SEEN 8

/** The state, a Float64Array in this order (nativeRangeScanner.ts SCAN_STATE, the same names). */
enum {
  AT, END, LINE, ROWS, RUN, ID_A, ID_B, DATE_A, DATE_B, DATE_INDEX, TRACKS, RUNS_MADE, MAX_LENGTH, SEEK_MAX, DATES, DATE_SEEN,
  STATE_LENGTH = DATE_SEEN + 3 * DATES_SEEN
};

/** The track table's shared buffers (trackIndex.ts SharedTrackIndex), through a TrackLookup's views. */
typedef struct {
  const uint8_t *bytes;
  const uint32_t *offsets;
  const int32_t *slots;
  size_t nbytes, ids, mask;
} Table;

/** The range's own track ids (rangeParser.ts ByteInterner): its slots and the byte ranges of its entries. */
typedef struct {
  int32_t *slots, *starts, *ends;
  size_t mask, capacity;
} Interner;

/**
 * The three vocabularies: word w is bytes[w ? ends[w - 1] : 0, ends[w]); column c's words are [first[c],
 * first[c + 1]), and byLength[c][n] has bit k set where its word k is n bytes long (n ≥ LONG_WORD: at least).
 */
#define LONG_WORD 31
typedef struct {
  const uint8_t *bytes;
  const uint32_t *ends;
  uint32_t first[CATEGORIES + 1];
  uint16_t byLength[CATEGORIES][LONG_WORD + 1];
} Vocab;

/** rangeRows.ts RowColumns. */
typedef struct {
  uint32_t *line, *run;
  uint8_t *length, *hour;
  double *position;
  uint16_t *flags, *categories, *date, *seekFwd, *seekBack;
  int32_t *track;
  size_t capacity;
} Columns;

/** Lines whose track-table entries are fetched ahead, together (the table is far larger than the caches). */
#define AHEAD 32

/** A line looked at ahead of its turn: where it ends and its track id's bytes and hash, not to be found twice. */
typedef struct {
  size_t at, nl, ta, tb;
  uint32_t hash;
} Ahead;

/** What one call works on and keeps: the state's values while the lines go by. */
typedef struct {
  const uint8_t *buf;
  size_t len;
  Columns col;
  uint32_t *runs;
  size_t runCapacity;
  Interner in;
  const Table *table;
  const Vocab *vocab;
  long idA, idB, dateA, dateB, dateIndex, run, rows, tracks, runsMade, maxLength, seekMax, dates;
  long seen[3 * DATES_SEEN];
  Ahead ahead[AHEAD];
  int aheadN, aheadK;
  const Ahead *line; // the current line's, when it was looked at ahead
} Scan;

enum { LINE_DONE, LINE_LEFT, BAD_TABLE, BAD_INTERNER };

static inline int delimited(const uint8_t *buf, size_t e, size_t b) { return e < b && buf[e] == COMMA; }

// Fields are short: a library call per field would cost more than the field, so bytes are read a word at a time.
static inline uint64_t load8(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static inline uint32_t load4(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/** Whether p[0, n) and q[0, n) hold the same bytes. */
static inline int equal_bytes(const uint8_t *p, const uint8_t *q, size_t n) {
  if (n < 8) {
    for (size_t i = 0; i < n; i++)
      if (p[i] != q[i]) return 0;
    return 1;
  }
  for (size_t i = 0; i + 8 < n; i += 8)
    if (load8(p + i) != load8(q + i)) return 0;
  return load8(p + n - 8) == load8(q + n - 8); // the last word overlaps the one before
}

/** The end of the field at buf[i]: its comma, or b. */
static inline size_t text_end(const uint8_t *buf, size_t i, size_t b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; i + 8 <= b; i += 8) {
    // The high bit of each comma byte (the classic has-zero-byte trick: exact up to the first, which is all we read).
    const uint64_t x = load8(buf + i) ^ 0x2c2c2c2c2c2c2c2cull;
    const uint64_t commas = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
    if (commas) return i + (size_t)(__builtin_ctzll(commas) >> 3);
  }
#endif
  while (i < b && buf[i] != COMMA) i++;
  return i;
}

/** byteRow's numberField: plain digits (at most 9) followed by a comma, else -1. */
static inline long number_field(const uint8_t *buf, size_t i, size_t b, size_t *end) {
  long n = 0;
  size_t e = i;
  for (; e < b; e++) {
    const unsigned d = (unsigned)buf[e] - '0';
    if (d > 9) break;
    if (e - i == 9) return -1;
    n = n * 10 + (long)d;
  }
  *end = e;
  return e == i || !delimited(buf, e, b) ? -1 : n;
}

/** The four bytes at p with each letter made lower case (as byteRow folds: | 0x20). */
static inline uint32_t folded4(const uint8_t *p) { return load4(p) | 0x20202020u; }

/** byteRow's boolField: 1 / 0 for 1, 0, true, false (any letter case) followed by a comma, else -1. */
static inline int bool_field(const uint8_t *buf, size_t i, size_t b, size_t *end) {
  if (i + 6 <= b) {
    // "true," or "false," told apart without a branch on which: skips are as good as random, mispredictions cost.
    const uint32_t word = folded4(buf + i);
    const int t = (word == load4((const uint8_t *)"true")) & (buf[i + 4] == COMMA);
    const int f = (word == load4((const uint8_t *)"fals")) & ((buf[i + 4] | 0x20) == 'e') & (buf[i + 5] == COMMA);
    if (t | f) {
      *end = i + 4 + (size_t)f;
      return t;
    }
  }
  if (i < b && delimited(buf, i + 1, b)) {
    *end = i + 1;
    const unsigned d = (unsigned)buf[i] - '0';
    return d <= 1 ? (int)d : -1;
  }
  if (i + 4 <= b && folded4(buf + i) == load4((const uint8_t *)"true")) {
    *end = i + 4;
    return delimited(buf, i + 4, b) ? 1 : -1;
  }
  if (i + 5 <= b && folded4(buf + i) == load4((const uint8_t *)"fals") && (buf[i + 4] | 0x20) == 'e') {
    *end = i + 5;
    return delimited(buf, i + 5, b) ? 0 : -1;
  }
  return -1;
}

static inline int same(const uint8_t *buf, size_t a, size_t b, size_t c, size_t d) { return b - a == d - c && equal_bytes(buf + a, buf + c, b - a); }

/** The index of buf[a, b) in vocabulary column c, else its word count (the "other" slot). */
static inline int vocab_index(const Vocab *v, int c, const uint8_t *buf, size_t a, size_t b) {
  const size_t n = b - a;
  for (unsigned words = v->byLength[c][n < LONG_WORD ? n : LONG_WORD]; words; words &= words - 1) {
    const uint32_t w = v->first[c] + (uint32_t)__builtin_ctz(words), start = w ? v->ends[w - 1] : 0;
    if (v->ends[w] - start == n && equal_bytes(v->bytes + start, buf + a, n)) return (int)(w - v->first[c]);
  }
  return (int)(v->first[c + 1] - v->first[c]);
}

static inline uint32_t mix(uint32_t h, uint32_t word) {
  h = (h ^ word) * 0x9e3779b1u;
  return h ^ (h >> 15);
}

/** A big-endian word, as a DataView reads it. */
static inline uint32_t word_at(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/** trackIndex.ts hashBytes, bit for bit: the interner's slots are filled by both sides. */
static uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint32_t h = (0x811c9dc5u ^ (uint32_t)n) * 0x01000193u;
  if (n < 4) {
    for (size_t i = 0; i < n; i++) h = mix(h, p[i]);
  } else if (n <= 24) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) h = mix(h, word_at(p + i));
    if (i < n) h = mix(h, word_at(p + n - 4));
  } else {
    h = mix(mix(mix(h, word_at(p)), word_at(p + 4)), word_at(p + 8));
    h = mix(mix(mix(h, word_at(p + n - 12)), word_at(p + n - 8)), word_at(p + n - 4));
  }
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  return h ^ (h >> 13);
}

/** TrackLookup.row: the table row of buf[a, b), -1 when it has none, or BAD_TABLE (< -1). */
static long table_row(const Table *t, const uint8_t *buf, size_t a, size_t b, uint32_t hash) {
  const size_t n = b - a;
  for (size_t s = hash & t->mask, probes = 0; probes <= t->mask; s = (s + 1) & t->mask, probes++) {
    const int32_t v = t->slots[s];
    if (v == 0) return -1;
    if (v < 0 || (size_t)v > t->ids) return -1 - BAD_TABLE;
    const uint32_t start = t->offsets[v - 1], stop = t->offsets[v];
    if (start > stop || stop > t->nbytes) return -1 - BAD_TABLE;
    if (stop - start == n && equal_bytes(t->bytes + start, buf + a, n)) return v - 1;
  }
  return -1;
}

/**
 * ByteInterner.index without the insertion: the entry of buf[a, b), else -1 with *slot the empty slot it would take
 * (or BAD_INTERNER, < -1).
 */
static long interned(const Scan *sc, size_t a, size_t b, uint32_t hash, size_t *slot) {
  const Interner *in = &sc->in;
  for (size_t s = hash & in->mask, probes = 0; probes <= in->mask; s = (s + 1) & in->mask, probes++) {
    const int32_t v = in->slots[s];
    if (v == 0) {
      *slot = s;
      return -1;
    }
    const long k = (long)v - 1;
    if (k < 0 || k >= sc->tracks || in->starts[k] < 0 || in->starts[k] > in->ends[k] || (size_t)in->ends[k] > sc->len) return -1 - BAD_INTERNER;
    if (same(sc->buf, a, b, (size_t)in->starts[k], (size_t)in->ends[k])) return k;
  }
  return -1 - BAD_INTERNER; // no empty slot: JavaScript rehashes long before
}

/**
 * Asks for the track-table memory that the lines from buf[at] (at most AHEAD, before `end`) will read: the slot of
 * each one's track id, then the entry that slot names, then its bytes. Each step's misses overlap instead of
 * queueing one line at a time, three deep. Only a hint: nothing is read that the lines' own lookups don't check.
 * Each line's end and track id hash are kept in sc->ahead for its turn.
 */
static void fetch_ahead(Scan *sc, long at, long end) {
  const Table *t = sc->table;
  const uint8_t *buf = sc->buf;
  size_t slot[AHEAD];
  int n = 0;
  for (; n < AHEAD && at < end; n++) {
    const uint8_t *found = memchr(buf + at, NL, (size_t)(end - at));
    const size_t b = found ? (size_t)(found - buf) : (size_t)end;
    size_t a = text_end(buf, (size_t)at, b); // session_id, session_position, session_length, then the track id
    if (a < b) a = text_end(buf, a + 1, b);
    if (a < b) a = text_end(buf, a + 1, b);
    const size_t tb = a < b ? text_end(buf, a + 1, b) : b;
    Ahead *h = &sc->ahead[n];
    h->at = (size_t)at;
    h->nl = b;
    h->ta = a < tb ? a + 1 : SIZE_MAX;
    h->tb = a < tb ? tb : SIZE_MAX;
    h->hash = a < tb ? hash_bytes(buf + a + 1, tb - a - 1) : 0;
    slot[n] = a < tb ? h->hash & t->mask : SIZE_MAX;
    if (slot[n] != SIZE_MAX) __builtin_prefetch(t->slots + slot[n]);
    at = (long)b + 1;
  }
  for (int k = 0; k < n; k++) {
    const int32_t v = slot[k] == SIZE_MAX ? 0 : t->slots[slot[k]];
    slot[k] = v > 0 && (size_t)v <= t->ids ? (size_t)v : SIZE_MAX;
    if (slot[k] != SIZE_MAX) __builtin_prefetch(t->offsets + slot[k] - 1);
  }
  for (int k = 0; k < n; k++)
    if (slot[k] != SIZE_MAX && t->offsets[slot[k] - 1] < t->nbytes) __builtin_prefetch(t->bytes + t->offsets[slot[k] - 1]);
  sc->aheadN = n;
  sc->aheadK = 0;
}

/** The date index of spelling buf[a, b) when the range has read it before, else -1; *current: it is the current date's. */
static long date_index(const Scan *sc, size_t a, size_t b, int *current) {
  *current = sc->dateA >= 0 && same(sc->buf, a, b, (size_t)sc->dateA, (size_t)sc->dateB);
  if (*current) return sc->dateIndex;
  for (long d = 0; d < sc->dates; d++) {
    const long *seen = sc->seen + 3 * d;
    if (same(sc->buf, a, b, (size_t)seen[0], (size_t)seen[1])) return seen[2];
  }
  return -1;
}

/** Line buf[a, b) (not blank) as byteRow reads it, written as row sc->rows numbered `line`; LINE_LEFT for JavaScript. */
static int scan_line(Scan *sc, size_t a, size_t b, uint32_t line) {
  const uint8_t *buf = sc->buf;
  size_t e = 0, end = 0;
  int sameId = 0;
  if (sc->idA >= 0) {
    const size_t idEnd = a + (size_t)(sc->idB - sc->idA);
    if (idEnd < b && buf[idEnd] == COMMA && same(buf, a, idEnd, (size_t)sc->idA, (size_t)sc->idB)) {
      sameId = 1;
      e = idEnd;
    }
  }
  if (!sameId && (e = text_end(buf, a, b)) == b) return LINE_LEFT;
  const size_t idEnd = e;
  const long pos = number_field(buf, e + 1, b, &end);
  if (pos < 0) return LINE_LEFT;
  const long len = number_field(buf, end + 1, b, &end);
  if (len < 1 || len > sc->maxLength) return LINE_LEFT;
  const size_t ta = end + 1, tb = text_end(buf, ta, b);
  if (tb == b) return LINE_LEFT;
  size_t i = tb + 1;
  unsigned bits = 0;
  for (int q = 0; q < 8; q++) {
    const int v = bool_field(buf, i, b, &end);
    if (v < 0) return LINE_LEFT;
    bits |= (unsigned)v << q;
    i = end + 1;
  }
  const long fwd = number_field(buf, i, b, &end);
  if (fwd < 0 || fwd > sc->seekMax) return LINE_LEFT;
  const long back = number_field(buf, end + 1, b, &end);
  if (back < 0 || back > sc->seekMax) return LINE_LEFT;
  const int shuffle = bool_field(buf, end + 1, b, &end);
  if (shuffle < 0) return LINE_LEFT;
  const long hour = number_field(buf, end + 1, b, &end);
  if (hour < 0 || hour > MAX_HOUR) return LINE_LEFT;
  const size_t da = end + 1, db = text_end(buf, da, b);
  if (db == b) return LINE_LEFT;
  const int premium = bool_field(buf, db + 1, b, &end);
  if (premium < 0) return LINE_LEFT;
  bits |= (unsigned)shuffle << 8 | (unsigned)premium << 9;
  const size_t ca = end + 1, cb = text_end(buf, ca, b);
  if (cb == b) return LINE_LEFT;
  const size_t sa = cb + 1, sb = text_end(buf, sa, b);
  if (sb == b) return LINE_LEFT;
  const size_t ea = sb + 1;
  if (text_end(buf, ea, b) != b) return LINE_LEFT;
  int currentDate;
  const long dateIndex = date_index(sc, da, db, &currentDate);
  if (dateIndex < 0) return LINE_LEFT; // byteRow reads the new spelling
  int packed = 0;
  const size_t bounds[2 * CATEGORIES] = {ca, cb, sa, sb, ea, b};
  for (int c = 0; c < CATEGORIES; c++) {
    const int k = vocab_index(sc->vocab, c, buf, bounds[2 * c], bounds[2 * c + 1]);
    if (k == (int)(sc->vocab->first[c + 1] - sc->vocab->first[c])) return LINE_LEFT; // byteRow keeps the example or refuses
    packed |= k << (4 * c);
  }
  if (!sameId && sc->runsMade == (long)sc->runCapacity) return LINE_LEFT;
  long track = -1;
  const uint32_t hash = sc->line && sc->line->ta == ta && sc->line->tb == tb ? sc->line->hash : hash_bytes(buf + ta, tb - ta);
  if (sc->table) {
    track = table_row(sc->table, buf, ta, tb, hash);
    if (track < -1) return BAD_TABLE;
  }
  if (track < 0) {
    size_t slot = 0;
    long k = interned(sc, ta, tb, hash, &slot);
    if (k < -1) return BAD_INTERNER;
    if (k < 0) {
      // ByteInterner.index rehashes once more than half the slots are taken: JavaScript does this line then.
      if ((size_t)(sc->tracks + 1) * 2 > sc->in.mask || (size_t)sc->tracks >= sc->in.capacity) return LINE_LEFT;
      k = sc->tracks++;
      sc->in.starts[k] = (int32_t)ta;
      sc->in.ends[k] = (int32_t)tb;
      sc->in.slots[slot] = (int32_t)(k + 1);
    }
    track = -1 - k;
  }
  if (!sameId) {
    sc->runs[2 * sc->runsMade] = (uint32_t)a;
    sc->runs[2 * sc->runsMade + 1] = (uint32_t)idEnd;
    sc->runsMade++;
    sc->run++;
    sc->idA = (long)a;
    sc->idB = (long)idEnd;
  }
  if (!currentDate) {
    sc->dateA = (long)da;
    sc->dateB = (long)db;
    sc->dateIndex = dateIndex;
  }
  const Columns *col = &sc->col;
  const long r = sc->rows++;
  col->line[r] = line;
  col->run[r] = (uint32_t)sc->run;
  col->length[r] = (uint8_t)len;
  col->position[r] = (double)pos;
  col->flags[r] = (uint16_t)bits;
  col->categories[r] = (uint16_t)packed;
  col->date[r] = (uint16_t)dateIndex;
  col->seekFwd[r] = (uint16_t)fwd;
  col->seekBack[r] = (uint16_t)back;
  col->hour[r] = (uint8_t)hour;
  col->track[r] = (int32_t)track;
  return LINE_DONE;
}

/** v as a whole number in [lo, hi]. */
static int whole(double v, double lo, double hi, long *out) {
  if (!(v >= lo && v <= hi) || v != (double)(long)v) return 0;
  *out = (long)v;
  return 1;
}

static int is_power_of_two(size_t n) { return n > 0 && (n & (n - 1)) == 0; }

/** The columns of a RowColumns object, each as long as `line`; the name of the first wrong one in *error. */
static int columns_of(napi_env env, napi_value object, Columns *c, const char **error) {
  size_t n;
  const struct {
    const char *name;
    napi_typedarray_type type;
    void **data;
  } fields[] = {
      {"line", napi_uint32_array, (void **)&c->line},         {"run", napi_uint32_array, (void **)&c->run},
      {"length", napi_uint8_array, (void **)&c->length},      {"position", napi_float64_array, (void **)&c->position},
      {"flags", napi_uint16_array, (void **)&c->flags},       {"categories", napi_uint16_array, (void **)&c->categories},
      {"date", napi_uint16_array, (void **)&c->date},         {"seekFwd", napi_uint16_array, (void **)&c->seekFwd},
      {"seekBack", napi_uint16_array, (void **)&c->seekBack}, {"hour", napi_uint8_array, (void **)&c->hour},
      {"track", napi_int32_array, (void **)&c->track},
  };
  static const char *const wrong[] = {
      "columns.line: a Uint32Array",
      "columns.run: a Uint32Array as long as columns.line",
      "columns.length: a Uint8Array as long as columns.line",
      "columns.position: a Float64Array as long as columns.line",
      "columns.flags: a Uint16Array as long as columns.line",
      "columns.categories: a Uint16Array as long as columns.line",
      "columns.date: a Uint16Array as long as columns.line",
      "columns.seekFwd: a Uint16Array as long as columns.line",
      "columns.seekBack: a Uint16Array as long as columns.line",
      "columns.hour: a Uint8Array as long as columns.line",
      "columns.track: an Int32Array as long as columns.line",
  };
  for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
    if (!property(env, object, fields[f].name, fields[f].type, fields[f].data, &n) || (f > 0 && n != c->capacity)) return *error = wrong[f], 0;
    if (f == 0) c->capacity = n;
  }
  return 1;
}

static int interner_of(napi_env env, napi_value object, Interner *in, const char **error) {
  size_t nslots, nstarts, nends;
  if (!property(env, object, "slots", napi_int32_array, (void **)&in->slots, &nslots) || !is_power_of_two(nslots))
    return *error = "tracks.slots: an Int32Array whose length is a power of two", 0;
  if (!property(env, object, "starts", napi_int32_array, (void **)&in->starts, &nstarts) ||
      !property(env, object, "ends", napi_int32_array, (void **)&in->ends, &nends) || nends != nstarts)
    return *error = "tracks.starts, tracks.ends: Int32Arrays of one length", 0;
  in->mask = nslots - 1;
  in->capacity = nstarts;
  return 1;
}

static int table_of(napi_env env, napi_value object, Table *t, const char **error) {
  size_t noffsets, nslots;
  if (!property(env, object, "bytes", napi_uint8_array, (void **)&t->bytes, &t->nbytes) ||
      !property(env, object, "offsets", napi_uint32_array, (void **)&t->offsets, &noffsets) || noffsets < 1 ||
      !property(env, object, "slots", napi_int32_array, (void **)&t->slots, &nslots) || !is_power_of_two(nslots))
    return *error = "table: { bytes: Uint8Array, offsets: Uint32Array (ids + 1), slots: Int32Array (a power of two) } or null", 0;
  t->ids = noffsets - 1;
  t->mask = nslots - 1;
  return 1;
}

static int vocab_of(napi_env env, napi_value object, Vocab *v, const char **error) {
  size_t nbytes, nends, nfirst;
  uint32_t *first;
  *error = "vocab: { bytes: Uint8Array, ends: Uint32Array, first: Uint32Array[4] }, at most 15 words a column, ends rising within bytes";
  if (!property(env, object, "bytes", napi_uint8_array, (void **)&v->bytes, &nbytes) ||
      !property(env, object, "ends", napi_uint32_array, (void **)&v->ends, &nends) ||
      !property(env, object, "first", napi_uint32_array, (void **)&first, &nfirst) || nfirst != CATEGORIES + 1)
    return 0;
  for (int c = 0; c <= CATEGORIES; c++) v->first[c] = first[c];
  if (v->first[0] != 0 || v->first[CATEGORIES] != nends) return 0;
  for (int c = 0; c < CATEGORIES; c++)
    if (v->first[c + 1] < v->first[c] || v->first[c + 1] - v->first[c] > 15) return 0; // a 4-bit field, "other" included
  for (size_t w = 0; w < nends; w++)
    if (v->ends[w] < (w ? v->ends[w - 1] : 0) || v->ends[w] > nbytes) return 0;
  memset(v->byLength, 0, sizeof v->byLength);
  for (int c = 0; c < CATEGORIES; c++) {
    for (uint32_t w = v->first[c]; w < v->first[c + 1]; w++) {
      const uint32_t n = v->ends[w] - (w ? v->ends[w - 1] : 0);
      v->byLength[c][n < LONG_WORD ? n : LONG_WORD] |= (uint16_t)(1u << (w - v->first[c]));
    }
  }
  return 1;
}

/** The state's values into sc, checked against the buffers; 0 when one is out of range. */
static int state_of(const double *st, Scan *sc, long *at, long *end, long *line) {
  const double len = (double)sc->len;
  if (!whole(st[END], 0, len, end) || !whole(st[AT], 0, (double)*end, at) || !whole(st[LINE], 0, UINT32_MAX, line)) return 0;
  if (!whole(st[ROWS], 0, (double)sc->col.capacity, &sc->rows) || !whole(st[RUN], -1, UINT32_MAX, &sc->run)) return 0;
  if (!whole(st[ID_A], -1, len, &sc->idA) || !whole(st[ID_B], sc->idA < 0 ? -1 : (double)sc->idA, len, &sc->idB)) return 0;
  if (!whole(st[DATE_A], -1, len, &sc->dateA) || !whole(st[DATE_B], sc->dateA < 0 ? -1 : (double)sc->dateA, len, &sc->dateB)) return 0;
  if (!whole(st[DATE_INDEX], 0, UINT16_MAX, &sc->dateIndex) || !whole(st[TRACKS], 0, (double)sc->in.capacity, &sc->tracks)) return 0;
  if (!whole(st[MAX_LENGTH], 1, UINT8_MAX, &sc->maxLength) || !whole(st[SEEK_MAX], 0, UINT16_MAX, &sc->seekMax)) return 0;
  if (!whole(st[DATES], 0, DATES_SEEN, &sc->dates)) return 0;
  for (long d = 0; d < sc->dates; d++) {
    const double *e = st + DATE_SEEN + 3 * d;
    long *seen = sc->seen + 3 * d;
    if (!whole(e[0], 0, len, &seen[0]) || !whole(e[1], (double)seen[0], len, &seen[1]) || !whole(e[2], 0, UINT16_MAX, &seen[2])) return 0;
  }
  sc->runsMade = 0;
  return 1;
}

/**
 * scanRange(buf Uint8Array, state Float64Array, columns RowColumns, runs Uint32Array, tracks ByteInterner,
 * table TrackLookup | null, vocab): lines from state[AT] until state[END] or a line left to JavaScript; the state
 * says where it stopped, and runs holds the [start, end) of each new run's session id.
 */
static napi_value scan_range(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) return fail(env, "scanRange(buf, state, columns, runs, tracks, table, vocab)");
  Scan sc;
  Table table;
  Vocab vocab;
  double *st;
  size_t nstate, nruns;
  const char *error = NULL;
  if (!typed(env, argv[0], napi_uint8_array, (void **)&sc.buf, &sc.len) || sc.len > INT32_MAX) return fail(env, "buf: a Uint8Array of at most 2^31 - 1 bytes");
  if (!typed(env, argv[1], napi_float64_array, (void **)&st, &nstate) || nstate != STATE_LENGTH) return fail(env, "state: a Float64Array of the scanner's state length");
  if (!columns_of(env, argv[2], &sc.col, &error)) return fail(env, error);
  if (!typed(env, argv[3], napi_uint32_array, (void **)&sc.runs, &nruns)) return fail(env, "runs: a Uint32Array");
  sc.runCapacity = nruns / 2;
  if (!interner_of(env, argv[4], &sc.in, &error)) return fail(env, error);
  napi_valuetype kind;
  CHECK(napi_typeof(env, argv[5], &kind));
  sc.table = NULL;
  if (kind != napi_null && kind != napi_undefined) {
    if (!table_of(env, argv[5], &table, &error)) return fail(env, error);
    sc.table = &table;
  }
  if (!vocab_of(env, argv[6], &vocab, &error)) return fail(env, error);
  sc.vocab = &vocab;
  long at, end, line;
  if (!state_of(st, &sc, &at, &end, &line)) return fail(env, "state: a position, count or limit out of range");
  const uint8_t *buf = sc.buf;
  int status = LINE_DONE;
  sc.aheadN = sc.aheadK = 0;
  for (; at < end;) {
    if (sc.aheadK < sc.aheadN && sc.ahead[sc.aheadK].at != (size_t)at) sc.aheadN = sc.aheadK = 0; // out of step: look again
    if (sc.aheadK == sc.aheadN && sc.table) fetch_ahead(&sc, at, end);
    sc.line = sc.aheadK < sc.aheadN ? &sc.ahead[sc.aheadK++] : NULL;
    long nl;
    if (sc.line) nl = (long)sc.line->nl;
    else {
      const uint8_t *found = memchr(buf + at, NL, (size_t)(end - at));
      nl = found ? (long)(found - buf) : end;
    }
    long b = nl;
    if (b > at && buf[b - 1] == CR) b--;
    if (b > at) {
      if (sc.rows == (long)sc.col.capacity) break; // RowColumns grows in JavaScript
      status = scan_line(&sc, (size_t)at, (size_t)b, (uint32_t)line);
      if (status != LINE_DONE) break;
    }
    at = nl + 1;
    line++;
  }
  if (status == BAD_TABLE) return fail(env, "table: a slot or offset points outside the table");
  if (status == BAD_INTERNER) return fail(env, "tracks: a slot or entry points outside the range (or no slot is free)");
  st[AT] = (double)at;
  st[LINE] = (double)line;
  st[ROWS] = (double)sc.rows;
  st[RUN] = (double)sc.run;
  st[ID_A] = (double)sc.idA;
  st[ID_B] = (double)sc.idB;
  st[DATE_A] = (double)sc.dateA;
  st[DATE_B] = (double)sc.dateB;
  st[DATE_INDEX] = (double)sc.dateIndex;
  st[TRACKS] = (double)sc.tracks;
  st[RUNS_MADE] = (double)sc.runsMade;
  return NULL;
}

int range_scanner_register(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"scanRange", NULL, scan_range, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof functions / sizeof *functions, functions) == napi_ok;
}

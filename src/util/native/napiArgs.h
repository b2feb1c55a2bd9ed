// Reading a Node-API call's arguments, shared by the addon's C files (the engine's addon.c, the batch encoder and
// the range scanner): typed arrays checked for their type, handles for their kind, every failure an exception for
// JavaScript, never a crash.
#pragma once
#define NAPI_VERSION 8
#include <node_api.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "skiptrain native: Node-API call failed"); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static inline napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/** A typed array's data and length; 0 when `value` is not a typed array of `type`. */
static inline int typed(napi_env env, napi_value value, napi_typedarray_type type, void **data, size_t *length) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return 0;
  napi_typedarray_type actual;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &actual, length, data, &buffer, &offset) != napi_ok) return 0;
  return actual == type;
}

/** A typed array property of `object` (as typed). */
static inline int property(napi_env env, napi_value object, const char *name, napi_typedarray_type type, void **data, size_t *length) {
  napi_value value;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return 0;
  return typed(env, value, type, data, length);
}

static inline int number(napi_env env, napi_value object, const char *name, double *out) {
  napi_value value;
  return napi_get_named_property(env, object, name, &value) == napi_ok && napi_get_value_double(env, value, out) == napi_ok;
}

/**
 * The kinds of handle the addon gives JavaScript. A handle is an object wrapping a C struct, type-tagged with its
 * kind, so that a handle of another kind (or any other value) passed back is a TypeError instead of a struct read
 * as the wrong one.
 */
typedef enum { HANDLE_ENGINE, HANDLE_STANDARD_TABLE, HANDLE_BATCH_ENCODER, HANDLE_BATCH_BLOCK } HandleKind;

static const napi_type_tag HANDLE_TAGS[] = {
    {0x8f1c2a7e5b3d4c61ULL, 0x9a0e6b2f71d84c35ULL},
    {0x2d6f9b14c8e37a52ULL, 0xb47c0e91a3f25d68ULL},
    {0x61a8e3f07c2b49d5ULL, 0x3e95d4b28a1f6c07ULL},
    {0xc5047b9e2f6a1d83ULL, 0x7d2e8a5c03b9f461ULL},
};

/** A handle of `kind` for `data`; `finalize` frees it once the handle is collected (or at once, if this fails). */
static inline napi_value make_handle(napi_env env, void *data, HandleKind kind, napi_finalize finalize) {
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok || napi_type_tag_object(env, object, &HANDLE_TAGS[kind]) != napi_ok ||
      napi_wrap(env, object, data, finalize, NULL, NULL) != napi_ok) {
    finalize(env, data, NULL);
    napi_throw_error(env, NULL, "skiptrain native: Node-API call failed");
    return NULL;
  }
  return object;
}

/** The struct behind a handle of `kind`; NULL for anything else. */
static inline void *handle_data(napi_env env, napi_value value, HandleKind kind) {
  napi_valuetype type;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_object) return NULL;
  if (napi_check_object_type_tag(env, value, &HANDLE_TAGS[kind], &tagged) != napi_ok || !tagged) return NULL;
  return napi_unwrap(env, value, &data) == napi_ok ? data : NULL;
}

// Reading a Node-API call's arguments, shared by the addon's C files (the engine's addon.c, the batch encoder and
// the range scanner): typed arrays checked for their type, every failure an exception for JavaScript, never a crash.
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

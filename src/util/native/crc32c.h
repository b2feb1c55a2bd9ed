// CRC-32C with the processor's CRC32 instruction (crc32c.c), added to the addon's exports by its entry (addon.c).
#pragma once
#include "napiArgs.h"

/** Defines crc32c on `exports` where the processor has the instruction (SSE4.2); 0 on failure. */
int crc32c_register(napi_env env, napi_value exports);

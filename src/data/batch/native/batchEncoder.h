// The batch encoder's Node-API functions (batchEncoder.c), added to the addon's exports by its entry (addon.c).
#pragma once
#include "../../../util/native/napiArgs.h"

/** Defines createStandardTable, createBatchEncoder, createBatchBlock and encodeBatch on `exports`; 0 on failure. */
int batch_encoder_register(napi_env env, napi_value exports);

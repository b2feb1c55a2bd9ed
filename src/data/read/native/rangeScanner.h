// The range scanner's Node-API function (rangeScanner.c), added to the addon's exports by its entry (addon.c).
#pragma once
#include "../../../util/native/napiArgs.h"

/** Defines scanRange on `exports`; 0 on failure. */
int range_scanner_register(napi_env env, napi_value exports);

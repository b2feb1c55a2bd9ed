// The native addon (C sources under src/, built into build/Release/skiptrain.node by `npm install` or
// `npm run build:native`): found and loaded once, here below every layer, so that the data layer's batch encoder
// and the kernels' engine load the same module. Each caller types the functions it uses.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:native` puts the addon; SKIPTRAIN_NATIVE_ADDON names another build (or none, to test without). */
const ADDON_PATH = process.env.SKIPTRAIN_NATIVE_ADDON || fileURLToPath(new URL('../../build/Release/skiptrain.node', import.meta.url));
const NOT_BUILT = 'the native addon is not built (npm run build:native builds it and shows why it failed)';

/** Why the addon is certainly unusable here without loading it (it is not built), or null. */
export function nativeMissing(): string | null {
  return existsSync(ADDON_PATH) ? null : NOT_BUILT;
}

let loaded: { addon: Record<string, unknown> } | { reason: string } | undefined;

/** The addon's exports, or why it cannot be used (not built, or built for another Node/CPU). Loaded once. */
export function loadAddon(): { addon: Record<string, unknown> } | { reason: string } {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    loaded = { reason: NOT_BUILT };
  } else {
    try {
      loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as Record<string, unknown> };
    } catch (e) {
      loaded = { reason: `the native addon failed to load (${String((e as Error)?.message ?? e).split('\n')[0]}); npm run build:native rebuilds it` };
    }
  }
  return loaded;
}

// The old data.heldOutDays named one list of days for both validation and test: it still works, with a warning.
// (Which days and shares each split reads: src/data/passes/split.ts.)
import { ConfigError } from '../errors.ts';
import type { Config } from './schema.ts';
import { COMMAND_LINE, type Origins } from './resolve.ts';

export const HELD_OUT_DEPRECATION =
  'warning: data.heldOutDays is deprecated: it makes the days that choose the model also the days reported; set data.valDays and data.testDays';

/** Later layers win: a command-line value over a file's. */
const layerRank = (origin: string | undefined) => (origin === undefined ? 0 : origin === COMMAND_LINE ? 2 : 1);

/**
 * Moves a deprecated data.heldOutDays into valDays and testDays (so the resolved config.yaml of a run uses the new
 * keys), warning once. A new key set in a later layer (the command line over the file) keeps its value; set in the
 * same layer as heldOutDays it is an error, since which should win is not clear.
 */
export function applyDeprecatedHeldOut(config: Config, origins: Origins, warn: (line: string) => void): void {
  const d = config.data;
  if (d.heldOutDays.length === 0) return;
  const origin = origins.get('data.heldOutDays');
  for (const key of ['valDays', 'testDays'] as const) {
    const keyOrigin = origins.get(`data.${key}`);
    if (layerRank(keyOrigin) > layerRank(origin)) continue;
    if (layerRank(keyOrigin) === layerRank(origin)) {
      throw new ConfigError(`data.heldOutDays and data.${key} are both set ${origin}; drop data.heldOutDays (deprecated)`, 'data.heldOutDays');
    }
    d[key] = [...d.heldOutDays];
    if (origin) origins.set(`data.${key}`, origin);
  }
  warn(HELD_OUT_DEPRECATION);
  d.heldOutDays = [];
  origins.delete('data.heldOutDays');
}

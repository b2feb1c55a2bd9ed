// Which sessions a run may look at for choices (validation) and which it reports on (test). Date splits name
// days (data.valDays, data.testDays); session-hash splits take shares of the session ids (data.heldOutFraction,
// data.testFraction). The old data.heldOutDays named one list for both: it still works, with a warning.
import { ConfigError } from '../errors.ts';
import type { Config, DataConfig } from './schema.ts';
import { COMMAND_LINE, type Origins } from './resolve.ts';

export interface HeldOutDays {
  /** Days that choose: validation during training, bestMetric, hyperparameters. */
  val: string[];
  /** Days that report: what `evaluate` scores by default. */
  test: string[];
}

/**
 * The validation and test days of a date split. Configs written before valDays/testDays existed (run folders,
 * checkpoints, programs that fill DEFAULTS) may only have heldOutDays: those days then serve as both.
 */
export function heldOutDaysOf(data: DataConfig): HeldOutDays {
  const legacy = data.heldOutDays ?? [];
  return {
    val: data.valDays?.length ? data.valDays : legacy,
    test: data.testDays?.length ? data.testDays : legacy,
  };
}

/** The test share of a session-hash split; checkpoints made before data.testFraction existed have none. */
export function testFractionOf(data: DataConfig): number {
  return data.testFraction ?? 0;
}

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

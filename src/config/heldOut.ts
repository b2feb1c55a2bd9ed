// Which sessions a run may look at for choices (validation) and which it reports on (test). Date splits name
// days (data.valDays, data.testDays); session-hash splits take shares of the session ids (data.heldOutFraction,
// data.testFraction). The old data.heldOutDays named one list for both: it still works, with a warning.
import { ConfigError } from '../errors.ts';
import type { Config, DataConfig } from './schema.ts';
import type { Origins } from './resolve.ts';

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

/**
 * Moves a deprecated data.heldOutDays into valDays and testDays (so the resolved config.yaml of a run uses the new
 * keys), warning once. Setting it together with either new key is an error: which should win is not clear.
 */
export function applyDeprecatedHeldOut(config: Config, origins: Origins, warn: (line: string) => void): void {
  const d = config.data;
  if (d.heldOutDays.length === 0) return;
  const origin = origins.get('data.heldOutDays');
  for (const key of ['valDays', 'testDays'] as const) {
    if (d[key].length > 0) {
      throw new ConfigError(
        `data.heldOutDays (set ${origin ?? 'by default'}) and data.${key} (set ${origins.get(`data.${key}`) ?? 'by default'}) are both given; drop data.heldOutDays`,
        'data.heldOutDays',
      );
    }
  }
  warn(HELD_OUT_DEPRECATION);
  d.valDays = [...d.heldOutDays];
  d.testDays = [...d.heldOutDays];
  d.heldOutDays = [];
  if (origin) {
    origins.set('data.valDays', origin);
    origins.set('data.testDays', origin);
    origins.delete('data.heldOutDays');
  }
}

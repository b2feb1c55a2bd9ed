// What TensorBoard's HParams dashboard shows of a run: every config key with its value, so runs made with any
// config (in a sweep or not) compare side by side.
import { formatDays } from '../config/days.ts';
import { valueAt } from '../config/help.ts';
import { LEAF_PATHS } from '../config/rules.ts';
import type { Config } from '../config/schema.ts';
import type { HParamValue } from './tensorboard/hparams.ts';

/** Every leaf of the config by its dotted key; day lists as one string of ranges. */
export function configHParams(config: Config): Record<string, HParamValue> {
  return Object.fromEntries(
    LEAF_PATHS.map((path) => {
      const value = valueAt(config, path);
      return [path, Array.isArray(value) ? formatDays(value as string[]).join(',') : (value as HParamValue)];
    }),
  );
}

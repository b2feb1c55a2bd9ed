// What TensorBoard's HParams dashboard shows of a run: every config key with its value, so runs made with any
// config (in a sweep or not) compare side by side.
import { formatDays } from '../config/days.ts';
import { formatWeights, valueAt } from '../config/help.ts';
import { isSection, LEAF_PATHS } from '../config/rules.ts';
import type { Config } from '../config/schema.ts';
import type { HParamValue } from './tensorboard/hparams.ts';

/** Every leaf of the config by its dotted key; day lists as one string of ranges, weights as name=weight pairs. */
export function configHParams(config: Config): Record<string, HParamValue> {
  return Object.fromEntries(
    LEAF_PATHS.map((path) => {
      const value = valueAt(config, path);
      if (Array.isArray(value)) return [path, formatDays(value as string[]).join(',')];
      return [path, isSection(value) ? formatWeights(value) : (value as HParamValue)];
    }),
  );
}

// What differs between two resolved configs, key by key. A resumed run reads its config from config.yaml, a text
// file users may edit on purpose, so it carries no checksum; the checkpoint's copy of the config is CRC-protected.
// Saying every difference between the two (but those asked for on the command line) keeps an edited or damaged
// value from going unnoticed.
import { basename } from 'node:path';
import { showValue, valueAt } from './help.ts';
import { COMMAND_LINE, type Origins } from './resolve.ts';
import { LEAF_PATHS } from './rules.ts';
import type { Config } from './schema.ts';

export interface ConfigChange {
  key: string;
  was: unknown;
  now: unknown;
}

/** Keys whose value in `now` differs from `was`, leaving out those `origins` says were set on the command line. */
export function configChanges(was: Config, now: Config, origins?: Origins): ConfigChange[] {
  return LEAF_PATHS.filter((key) => origins?.get(key) !== COMMAND_LINE)
    .map((key) => ({ key, was: valueAt(was, key), now: valueAt(now, key) }))
    .filter((c) => JSON.stringify(c.was) !== JSON.stringify(c.now));
}

/** `train.lr 0.003 → 0.002 (config.yaml:40)`: the key, both values, and where the new one was set. */
export function describeConfigChange(change: ConfigChange, origins?: Origins): string {
  const show = (v: unknown) => (v === undefined ? '(unset)' : showValue(v));
  const origin = origins?.get(change.key);
  const where = origins ? ` (${origin === undefined ? 'default' : basename(origin.replace(/^in /, ''))})` : '';
  return `${change.key} ${show(change.was)} → ${show(change.now)}${where}`;
}

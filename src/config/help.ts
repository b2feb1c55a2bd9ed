// The list of config keys for `--help` epilogues: every key a YAML file or a --dotted.key override may set.
import { formatDays } from './days.ts';
import { DEFAULTS, type Config } from './schema.ts';
import { LEAF_PATHS, RULES, describeRule, isSection, type Rule } from './rules.ts';

/** The value at a dotted key path (undefined where a config from an older version lacks the key). */
export function valueAt(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

/** A mapping of weights (train.auxTargets) as the command line writes it: skip_1=0.3,not_skipped=0.1. */
export function formatWeights(weights: Record<string, unknown>): string {
  return Object.entries(weights)
    .map(([name, weight]) => `${name}=${weight}`)
    .join(',');
}

/** A value as a command line would give it: day lists as ranges, weights as name=weight pairs, '' quoted. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return formatDays(value as string[]).join(',') || "''";
  if (isSection(value)) return formatWeights(value) || "''";
  return value === '' ? "''" : String(value);
}

/** One line per key: `--model.hidden  64  an integer ≥ 1 and ≤ 4096`, with the values of `config` (default DEFAULTS). */
export function configKeysHelp(config: Config = DEFAULTS): string {
  const rows = LEAF_PATHS.map((path) => [`--${path}`, showValue(valueAt(config, path)), describeRule(RULES[path] as Rule)]);
  const keyWidth = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.min(24, Math.max(...rows.map((r) => r[1].length)));
  return rows.map(([key, value, rule]) => `  ${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${rule}`).join('\n');
}

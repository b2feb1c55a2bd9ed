// Merging config layers: DEFAULTS ← YAML file ← command line. Each layer is a list of settings (dotted path, raw
// value, where it came from); every setting is checked against RULES and coerced to the schema's type on the way in,
// so errors name the key, what it accepts, and the file line or command line that set it.
import { ConfigError } from '../errors.ts';
import { parseDays, isCalendarDay } from './days.ts';
import { DEFAULTS, type Config } from './schema.ts';
import { RULES, LEAF_PATHS, SECTION_PATHS, isLeafPath, isSection, describeRule, type Rule } from './rules.ts';
import { closestKey } from './suggest.ts';

export interface Setting {
  /** Dotted key path as written (kebab-case segments are accepted: data.train-days). */
  path: string;
  value: unknown;
  /** Where the value came from, as a phrase: "in configs/lstm.yaml:12", "on the command line". */
  origin: string;
}

/** Where each leaf's final value came from; leaves not listed kept their default. */
export type Origins = Map<string, string>;

export const COMMAND_LINE = 'on the command line';

const kebabToCamel = (segment: string) => segment.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function normalizePath(path: string): string {
  return path.split('.').map(kebabToCamel).join('.');
}

/** Whether a mapping found at `path` should be descended into (a section or an unknown key), or is a leaf value. */
export function isSectionOrUnknown(path: string): boolean {
  return !isLeafPath(normalizePath(path));
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'nothing';
  return JSON.stringify(value);
}

function fail(path: string, origin: string, problem: string): never {
  throw new ConfigError(`${problem} (set ${origin})`, path);
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function coerceNumber(rule: Extract<Rule, { kind: 'number' }>, value: unknown, path: string, origin: string): number | 'auto' {
  if (rule.auto && typeof value === 'string' && value.trim() === 'auto') return 'auto';
  const expected = `expected ${describeRule(rule)}`;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) n = Number(value.trim());
  else fail(path, origin, `${expected}, got ${show(value)}`);
  const belowMin = rule.min !== undefined && (rule.minExclusive ? n <= rule.min : n < rule.min);
  const aboveMax = rule.max !== undefined && (rule.maxExclusive ? n >= rule.max : n > rule.max);
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || belowMin || aboveMax) {
    fail(path, origin, `${expected}, got ${show(value)}`);
  }
  return n;
}

/**
 * A mapping of names to weights: from YAML or yargs (--train.auxTargets.skip_1 0.3) an object, from the command
 * line `skip_1=0.3,not_skipped=0.1` ('' for none). Returned in the rule's order of names, so equal mappings compare
 * equal as JSON (resumes diff configs so).
 */
function coerceWeights(rule: Extract<Rule, { kind: 'weights' }>, value: unknown, path: string, origin: string): Record<string, number> {
  let entries: [string, unknown][];
  if (value === null || value === undefined) entries = [];
  else if (isSection(value)) entries = Object.entries(value);
  else if (typeof value === 'string') {
    entries = value
      .split(',')
      .map((pair) => pair.trim())
      .filter((pair) => pair !== '')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) fail(path, origin, `expected name=weight pairs, got '${pair}'`);
        return [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
      });
  } else return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
  const weights = new Map<string, number>();
  for (const [name, weight] of entries) {
    if (!rule.names.includes(name)) {
      const guess = closestKey(name, rule.names);
      fail(path, origin, `unknown name '${name}'${guess ? `; did you mean ${guess}?` : ''} (names: ${rule.names.join(', ')})`);
    }
    weights.set(name, coerceNumber({ kind: 'number', min: 0, max: rule.max }, weight, `${path}.${name}`, origin) as number);
  }
  return Object.fromEntries(rule.names.filter((name) => weights.has(name)).map((name) => [name, weights.get(name)!]));
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** Check one raw value against its rule and convert it to the schema's type (command-line values are strings). */
export function coerceValue(rule: Rule, value: unknown, path: string, origin: string): unknown {
  switch (rule.kind) {
    case 'number':
      return coerceNumber(rule, value, path, origin);
    case 'weights':
      return coerceWeights(rule, value, path, origin);
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return true;
      if (FALSE_WORDS.includes(word)) return false;
      return fail(path, origin, `expected true or false, got ${show(value)}`);
    }
    case 'enum': {
      const text = typeof value === 'string' ? value.trim() : value;
      if (typeof text === 'string' && rule.values.includes(text)) return text;
      return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
    }
    case 'days': {
      if (value === null || value === undefined) return [];
      if (typeof value !== 'string' && !Array.isArray(value)) {
        return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
      }
      try {
        return parseDays(value as string | string[], path);
      } catch (e) {
        if (e instanceof ConfigError) fail(path, origin, e.message.replace(`config key '${path}': `, ''));
        throw e;
      }
    }
    case 'string': {
      if (value === null || value === undefined) value = '';
      // YAML reads `experiment: 2019` as a number; a name made of digits is still a fine name.
      if (typeof value === 'number') value = String(value);
      if (typeof value !== 'string') return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
      if (rule.pattern && !rule.pattern.test(value)) {
        return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
      }
      if (rule.day && !isCalendarDay(value)) return fail(path, origin, `expected ${describeRule(rule)}, got ${show(value)}`);
      return value;
    }
  }
}

function unknownKey(path: string, origin: string): never {
  const sectionHint = SECTION_PATHS.includes(path) ? ` is a section; set its keys (${sectionKeys(path)})` : '';
  if (sectionHint) fail(path, origin, `'${path}'${sectionHint}, not a value`);
  const suggestion = closestKey(path, LEAF_PATHS);
  const hint = suggestion ? `; did you mean ${suggestion}?` : `; known sections: ${topLevelKeys().join(', ')}`;
  return fail(path, origin, `unknown key${hint}`);
}

function sectionKeys(section: string): string {
  return LEAF_PATHS.filter((p) => p.startsWith(`${section}.`)).slice(0, 4).join(', ') + ', …';
}

function topLevelKeys(): string[] {
  return [...new Set(LEAF_PATHS.map((p) => p.split('.')[0]))];
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}

/** Apply the layers in order on a copy of DEFAULTS; each setting is validated as it is applied. */
export function mergeSettings(layers: Setting[][]): { config: Config; origins: Origins } {
  const config = structuredClone(DEFAULTS);
  const origins: Origins = new Map();
  for (const layer of layers) {
    for (const setting of layer) {
      const path = normalizePath(setting.path);
      if (!isLeafPath(path)) unknownKey(path, setting.origin);
      const value = coerceValue(RULES[path] as Rule, setting.value, path, setting.origin);
      setAt(config as unknown as Record<string, unknown>, path, value);
      origins.set(path, setting.origin);
    }
  }
  return { config, origins };
}

/**
 * Settings from a command-line style override object: flat dotted keys ({ 'model.hidden': '128' }), nested objects
 * as yargs makes them ({ model: { hidden: 128 } }), or both. yargs' own `_` and `$0` are skipped.
 */
export function settingsFromObject(overrides: Record<string, unknown>, origin = COMMAND_LINE, prefix = ''): Setting[] {
  const out: Setting[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    // yargs' own keys, and options declared but not given (undefined), are not settings.
    if ((prefix === '' && (key === '_' || key === '$0')) || value === undefined) continue;
    const path = `${prefix}${key}`;
    if (isSection(value) && isSectionOrUnknown(path)) out.push(...settingsFromObject(value, origin, `${path}.`));
    else out.push({ path, value, origin });
  }
  return out;
}

/** Settings from raw argv tokens: --model.hidden 128 --train.epochs=3 (a flag with no value means true). */
export function settingsFromArgv(argv: readonly string[], origin = COMMAND_LINE): Setting[] {
  const out: Setting[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--') || token.length === 2) {
      throw new ConfigError(`unexpected command-line argument '${token}': config overrides look like --model.hidden 128`);
    }
    const body = token.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      out.push({ path: body.slice(0, eq), value: body.slice(eq + 1), origin });
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out.push({ path: body, value: argv[++i], origin });
    } else {
      out.push({ path: body, value: 'true', origin });
    }
  }
  return out;
}

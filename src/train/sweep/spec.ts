// A sweep file: a base config, fixed overrides, a search space over config keys and how to search it. Read into
// one typed SweepSpec; every mistake is a ConfigError naming the file, line and key, raised before any training.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { ConfigError } from '../../errors.ts';
import { CONFIGS_DIR, loadConfigDetailed, SWEEP_FILE_PREFIX } from '../../config/load.ts';
import { coerceValue, normalizePath } from '../../config/resolve.ts';
import { isLeafPath, LEAF_PATHS, RULES, type Rule } from '../../config/rules.ts';
import type { Config } from '../../config/schema.ts';
import { closestKey } from '../../config/suggest.ts';

export type Scalar = string | number | boolean;

export type Distribution =
  | { kind: 'choice'; values: Scalar[] }
  | { kind: 'uniform' | 'loguniform' | 'int'; low: number; high: number };

export const DISTRIBUTIONS = ['choice', 'uniform', 'loguniform', 'int'] as const;

export interface SweepSpec {
  /** Names the sweep folder <checkpoints>/<name>/ (default: the file name without .yaml). */
  name: string;
  /** The sweep file as given, for messages. */
  file: string;
  /** A name in configs/ or a path, as for `train`. */
  base: string;
  /** Dotted key → value, applied to the base config for every trial. */
  overrides: Record<string, Scalar>;
  method: 'random' | 'grid';
  trials: number;
  seed: number;
  /** The whole budget of one trial: optimizer steps (train.maxSteps) or epochs (train.epochs). */
  budget: { unit: 'steps' | 'epochs'; amount: number };
  /** Successive halving: each rung keeps the best 1/eta of the trials; `rungs` = 1 trains every trial fully. */
  halving: { eta: number; rungs: number };
  /** Dotted config key → its distribution, in file order. */
  space: [string, Distribution][];
}

const TOP_KEYS = ['name', 'base', 'overrides', 'method', 'trials', 'seed', 'budget', 'halving', 'space'] as const;

/** A path, or the name of a shipped sweep file (sweep-lstm-synth) when no such path exists. */
export function resolveSweepPath(nameOrPath: string): string {
  if (existsSync(nameOrPath) || nameOrPath.includes('/') || !nameOrPath.startsWith(SWEEP_FILE_PREFIX)) return nameOrPath;
  return join(CONFIGS_DIR, `${nameOrPath.replace(/\.ya?ml$/, '')}.yaml`);
}

/** Reads and checks a sweep file, including the base config and one trial config at each corner of the space. */
export function loadSweepSpec(nameOrPath: string): SweepSpec {
  const path = resolveSweepPath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read sweep file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const spec = parseSweepSpec(text, path);
  checkAgainstBase(spec);
  return spec;
}

/** The spec in `text` (YAML); `file` names it in errors. Does not read the base config (loadSweepSpec does). */
export function parseSweepSpec(text: string, file: string): SweepSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: Node | null | undefined) => `${file}:${node?.range ? lines.linePos(node.range[0]).line : '?'}`;
  const fail = (node: Node | null | undefined, key: string, problem: string): never => {
    throw new ConfigError(`${at(node)}: sweep key '${key}': ${problem}`);
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    throw new ConfigError(`${file}:${lines.linePos(error.pos[0]).line}: YAML syntax error: ${error.message.split('\n')[0]}`);
  }
  const root = doc.contents as Node | null;
  if (!isMap(root)) throw new ConfigError(`${file}: a sweep file is a mapping with the keys ${TOP_KEYS.join(', ')}`);
  const entries = new Map<string, Pair<Node, Node | null>>();
  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      const guess = closestKey(key, TOP_KEYS);
      fail(pair.key, key, `unknown key${guess ? `; did you mean ${guess}?` : `; known keys: ${TOP_KEYS.join(', ')}`}`);
    }
    entries.set(key, pair);
  }
  const valueOf = (key: string) => entries.get(key)?.value ?? null;
  const nodeOf = (key: string) => entries.get(key)?.value ?? entries.get(key)?.key ?? root;
  const scalar = (key: string): unknown => {
    const node = valueOf(key);
    if (node === null) return undefined;
    if (!isScalar(node)) fail(node, key, 'expected a single value');
    return (node as { value: unknown }).value;
  };
  const count = (key: string, value: unknown, node: Node | null, min: number): number => {
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) fail(node, key, `expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    return value as number;
  };

  const base = scalar('base');
  if (typeof base !== 'string' || base.trim() === '') fail(nodeOf('base'), 'base', 'required: the base config (a name in configs/ or a path)');
  const name = scalar('name') ?? basename(file).replace(/\.ya?ml$/, '');
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    fail(nodeOf('name'), 'name', `expected a name of letters, digits, ".", "_" and "-" (it names a folder), got ${JSON.stringify(name)}`);
  }
  const method = scalar('method') ?? 'random';
  if (method !== 'random' && method !== 'grid') fail(nodeOf('method'), 'method', `expected random or grid, got ${JSON.stringify(method)}`);
  const seed = count('seed', scalar('seed') ?? 1, nodeOf('seed'), 0);

  const overrides: Record<string, Scalar> = {};
  const overridesNode = valueOf('overrides');
  if (overridesNode !== null) {
    if (!isMap(overridesNode)) fail(overridesNode, 'overrides', 'expected a mapping of config keys to values (train.epochs: 2)');
    flatten(overridesNode as Node, '', (key, node) => {
      if (!isScalar(node) && !isSeq(node)) fail(node, `overrides.${key}`, 'expected a value');
      overrides[key] = (isSeq(node) ? node.toJSON().join(',') : (node as { value: Scalar }).value) as Scalar;
    });
    for (const [key] of Object.entries(overrides)) checkKey(key, (entries.get('overrides')!.value as Node), `overrides.${key}`, at);
  }

  const budgetNode = valueOf('budget');
  if (!isMap(budgetNode) || budgetNode.items.length !== 1) fail(nodeOf('budget'), 'budget', 'required: one of steps: N or epochs: N (the whole budget of one trial)');
  const budgetPair = (budgetNode as { items: Pair<Node, Node | null>[] }).items[0];
  const unit = isScalar(budgetPair.key) ? String(budgetPair.key.value) : '';
  if (unit !== 'steps' && unit !== 'epochs') fail(budgetPair.key, `budget.${unit}`, 'expected steps or epochs');
  const amount = count(`budget.${unit}`, isScalar(budgetPair.value) ? budgetPair.value.value : undefined, budgetPair.value, 1);

  const halving = { eta: 3, rungs: 1 };
  const halvingNode = valueOf('halving');
  if (halvingNode !== null) {
    if (!isMap(halvingNode)) fail(halvingNode, 'halving', 'expected a mapping with eta and rungs');
    for (const pair of (halvingNode as { items: Pair<Node, Node | null>[] }).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'eta' && key !== 'rungs') fail(pair.key, `halving.${key}`, 'unknown key; known keys: eta, rungs');
      halving[key as 'eta' | 'rungs'] = count(`halving.${key}`, isScalar(pair.value) ? pair.value.value : undefined, pair.value, key === 'eta' ? 2 : 1);
    }
  }

  const spaceNode = valueOf('space');
  if (!isMap(spaceNode) || spaceNode.items.length === 0) fail(nodeOf('space'), 'space', 'required: a mapping of config keys to distributions (train.lr: {loguniform: [0.0003, 0.01]})');
  const space: [string, Distribution][] = [];
  for (const pair of (spaceNode as { items: Pair<Node, Node | null>[] }).items) {
    const raw = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const key = normalizePath(raw);
    checkKey(key, pair.key, `space.${raw}`, at);
    if (key in overrides) fail(pair.key, `space.${raw}`, 'is also in overrides: a key is either fixed or searched');
    space.push([key, parseDistribution(pair.value, `space.${raw}`, key, fail)]);
  }

  let trials: number;
  const trialsValue = scalar('trials');
  if (method === 'grid') {
    const invalid = space.find(([, d]) => d.kind === 'uniform' || d.kind === 'loguniform');
    if (invalid) fail(valueOf('space'), `space.${invalid[0]}`, `${invalid[1].kind} has no grid points: a grid searches choice and int keys`);
    const size = gridSize(space);
    trials = trialsValue === undefined ? size : count('trials', trialsValue, nodeOf('trials'), 1);
    if (size > trials) fail(nodeOf('trials'), 'trials', `the grid has ${size} points, more than trials: ${trials}; raise trials or shrink the space`);
    trials = size;
  } else {
    trials = count('trials', trialsValue, nodeOf('trials'), 1);
  }
  return {
    name: name as string,
    file,
    base: base as string,
    overrides,
    method: method as SweepSpec['method'],
    trials,
    seed,
    budget: { unit: unit as 'steps' | 'epochs', amount },
    halving,
    space,
  };
}

/** Leaves of a nested mapping as dotted keys (overrides may be written flat or nested). */
function flatten(node: Node, prefix: string, visit: (key: string, node: Node) => void): void {
  for (const pair of (node as unknown as { items: Pair<Node, Node>[] }).items) {
    const key = `${prefix}${isScalar(pair.key) ? String(pair.key.value) : String(pair.key)}`;
    if (isMap(pair.value) && !isLeafPath(normalizePath(key))) flatten(pair.value, `${key}.`, visit);
    else visit(normalizePath(key), pair.value as Node);
  }
}

function checkKey(key: string, node: Node | null, where: string, at: (node: Node | null) => string): void {
  if (isLeafPath(key)) return;
  const guess = closestKey(key, LEAF_PATHS);
  throw new ConfigError(`${at(node)}: sweep key '${where}': unknown config key${guess ? `; did you mean ${guess}?` : ''}`);
}

function parseDistribution(
  node: Node | null,
  where: string,
  key: string,
  fail: (node: Node | null, key: string, problem: string) => never,
): Distribution {
  const forms = `{choice: [a, b]}, {uniform: [low, high]}, {loguniform: [low, high]} or {int: [low, high]}`;
  if (!isMap(node) || node.items.length !== 1) return fail(node, where, `expected one of ${forms}`);
  const pair = node.items[0] as Pair<Node, Node | null>;
  const kind = isScalar(pair.key) ? String(pair.key.value) : '';
  if (!(DISTRIBUTIONS as readonly string[]).includes(kind)) return fail(pair.key, where, `unknown distribution '${kind}'; expected one of ${forms}`);
  if (!isSeq(pair.value)) return fail(pair.value ?? node, where, `${kind} takes a list, e.g. ${kind === 'choice' ? '[32, 64]' : '[low, high]'}`);
  const values = pair.value.toJSON() as unknown[];
  const rule = RULES[key as keyof typeof RULES] as Rule;
  const accepted = (value: unknown) => {
    try {
      return coerceValue(rule, value, key, `in ${where}`);
    } catch (e) {
      return fail(pair.value, where, (e as Error).message.replace(`config key '${key}': `, ''));
    }
  };
  if (kind === 'choice') {
    if (values.length === 0) return fail(pair.value, where, 'choice is empty: list at least one value');
    if (values.some((v) => typeof v === 'object')) return fail(pair.value, where, 'choice takes single values');
    values.forEach(accepted);
    return { kind: 'choice', values: values as Scalar[] };
  }
  if (values.length !== 2 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return fail(pair.value, where, `${kind} takes two numbers [low, high], got ${JSON.stringify(values)}`);
  }
  const [low, high] = values as number[];
  if (rule.kind !== 'number') return fail(pair.key, where, `${kind} needs a numeric key; ${key} is not a number (use choice)`);
  if (low >= high) return fail(pair.value, where, `low ${low} must be below high ${high}`);
  if (kind === 'loguniform' && low <= 0) return fail(pair.value, where, `loguniform needs bounds above 0, got low ${low}`);
  if (kind === 'int' && !(Number.isInteger(low) && Number.isInteger(high))) return fail(pair.value, where, `int takes integer bounds, got [${low}, ${high}]`);
  accepted(low);
  accepted(high);
  return { kind: kind as 'uniform' | 'loguniform' | 'int', low, high };
}

/** Points of a grid over choice and int keys. */
export function gridSize(space: readonly [string, Distribution][]): number {
  return space.reduce((n, [, d]) => n * (d.kind === 'choice' ? d.values.length : d.kind === 'int' ? d.high - d.low + 1 : Infinity), 1);
}

/** The config of one trial: the base config ← the sweep's overrides ← the trial's values ← the budget. */
export function trialConfig(spec: SweepSpec, values: Record<string, Scalar>, extra: Record<string, Scalar> = {}): Config {
  const budget = spec.budget.unit === 'steps' ? { 'train.maxSteps': spec.budget.amount } : { 'train.epochs': spec.budget.amount, 'train.maxSteps': 0 };
  const overrides = Object.fromEntries(Object.entries({ ...spec.overrides, ...values, ...budget, ...extra }).map(([k, v]) => [k, String(v)]));
  return loadConfigDetailed(spec.base, overrides, { warn: () => {} }).config;
}

/**
 * The base config and the corners of the space must load, and a sweep chooses on validation days only: it needs a
 * date split with the training days listed, so that no trial's reader is ever asked for a test day.
 */
function checkAgainstBase(spec: SweepSpec): void {
  const lows: Record<string, Scalar> = {};
  const highs: Record<string, Scalar> = {};
  for (const [key, d] of spec.space) {
    lows[key] = d.kind === 'choice' ? d.values[0] : d.low;
    highs[key] = d.kind === 'choice' ? d.values[d.values.length - 1] : d.high;
  }
  let config: Config;
  try {
    config = trialConfig(spec, lows);
    trialConfig(spec, highs);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${spec.file}: a trial config is invalid: ${e.message}`);
    throw e;
  }
  if (config.data.split !== 'date' || config.data.trainDays.length === 0 || config.data.testDays.length === 0) {
    throw new ConfigError(
      `${spec.file}: a sweep needs data.split date with data.trainDays, data.valDays and data.testDays listed (it chooses on the validation days and never reads the test days)`,
    );
  }
}

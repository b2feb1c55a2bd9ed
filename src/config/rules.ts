// The validation table for every leaf of the config schema. The types below make the compiler demand exactly one
// rule per key of DEFAULTS (src/config/schema.ts), and enum rules may only list values the schema's type allows,
// so schema and rules cannot drift apart. Rules that tie several keys together live in validate.ts.
import { LABELS } from '../data/format/columns.ts';
import { DATE_FORMATS } from '../data/format/dates.ts';
import { AUX_COLUMNS, type AuxTargetMap } from '../models/auxTargets.ts';
import { BACKEND_CHOICES, DEFAULTS, type Config } from './schema.ts';

type Leaf = string | number | boolean | readonly string[] | AuxTargetMap;

/** Dotted paths of all leaves: 'model.hidden' | 'data.synth.seed' | … */
export type LeafPath<T = Config, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends Leaf ? `${Prefix}${K}` : LeafPath<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** The type of the value at a dotted path. */
export type ValueAt<P extends string, T = Config> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? ValueAt<Rest, T[Head]>
    : never
  : P extends keyof T
    ? T[P]
    : never;

export interface NumberRule {
  kind: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
  /** min/max themselves are not allowed (dropout < 1, lr > 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** The word 'auto' is also accepted (the program picks the number). */
  auto?: true;
}
export interface EnumRule<V extends string = string> {
  kind: 'enum';
  values: readonly V[];
}
export interface StringRule {
  kind: 'string';
  /** A value must match, e.g. a name that is safe as a folder name. */
  pattern?: RegExp;
  /** What the value is, for messages: "a folder path". */
  describe?: string;
  /** A YYYY-MM-DD calendar day. */
  day?: boolean;
}
export interface DaysRule {
  kind: 'days';
}
export interface BooleanRule {
  kind: 'boolean';
}
/** A mapping of names to weights (YAML: a mapping; command line: name=weight,…, or yargs' --key.name weight). */
export interface WeightsRule {
  kind: 'weights';
  names: readonly string[];
  /** Each weight: a number from 0 to max. */
  max: number;
  /** What an empty mapping means, and how the key relates to others, for --help. */
  describe: string;
}
export type Rule = NumberRule | EnumRule | StringRule | DaysRule | BooleanRule | WeightsRule;

// Wrapped in [ ] so that a union of string literals maps to one EnumRule of the union, not a union of rules.
type RuleFor<V> = [V] extends [readonly string[]]
  ? DaysRule
  : [V] extends [object]
    ? WeightsRule
    : [V] extends [number]
      ? NumberRule
      : [V] extends [number | 'auto']
        ? NumberRule & { auto: true }
        : [V] extends [boolean]
          ? BooleanRule
          : string extends V
            ? StringRule
            : EnumRule<V & string>;

const count = (min: number, max = Number.MAX_SAFE_INTEGER): NumberRule => ({ kind: 'number', integer: true, min, max });
const oneOf = <V extends string>(...values: V[]): EnumRule<V> => ({ kind: 'enum', values });
const path = (describe: string): StringRule => ({ kind: 'string', describe });
const days: DaysRule = { kind: 'days' };
/** Seeds are uint32: Rng keeps its state in one 32-bit number. */
const seed = count(0, 0xffffffff);

export const RULES: { [P in LeafPath]: RuleFor<ValueAt<P>> } = {
  experiment: { kind: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, describe: 'a name of letters, digits, ".", "_" and "-" (it names a folder)' },
  task: oneOf('per-position', 'challenge'),
  backend: oneOf(...BACKEND_CHOICES),
  checkpoints: { kind: 'string', pattern: /\S/, describe: 'a folder path' },
  'data.logs': path('a path: .tar.gz/.tgz archive, folder of CSVs, or .csv/.csv.gz file'),
  'data.tracks': path('a path: .tar.gz/.tgz archive, folder of CSVs, or .csv/.csv.gz file'),
  'data.trainDays': days,
  'data.valDays': days,
  'data.testDays': days,
  'data.heldOutDays': days,
  'data.split': oneOf('date', 'session-hash'),
  'data.heldOutFraction': { kind: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  'data.testFraction': { kind: 'number', min: 0, max: 1, maxExclusive: true },
  'data.label': oneOf(...LABELS),
  'data.dateFormat': oneOf(...DATE_FORMATS),
  'data.unknownTracks': oneOf('error', 'zeros'),
  'data.badDates': oneOf('error', 'skip-row', 'keep'),
  'data.unknownCategories': oneOf('other', 'error'),
  'data.shuffleBuffer': count(1, 10_000_000),
  'data.cache': path("a folder path ('' = no cache)"),
  'data.maxSessions': count(0),
  'data.maxValSessions': count(0),
  'data.synth.sessions': count(0, 100_000_000),
  'data.synth.days': count(1, 366),
  'data.synth.seed': seed,
  'data.synth.tracks': count(1, 10_000_000),
  'data.synth.startDate': { kind: 'string', day: true },
  'model.type': oneOf('lstm', 'transformer', 'encoder-decoder'),
  'model.cell': oneOf('lstm', 'gru'),
  'model.hidden': count(1, 4096),
  'model.layers': count(1, 48),
  'model.dropout': { kind: 'number', min: 0, max: 1, maxExclusive: true },
  'model.heads': count(1, 256),
  'model.ff': count(1, 65536),
  'model.trackBuckets': count(0, 1 << 24),
  'model.trackEmbedding': count(1, 1024),
  'model.auxWeight': { kind: 'number', min: 0, max: 100 },
  'model.decoderBidirectional': { kind: 'boolean' },
  'model.decoderAttention': { kind: 'boolean' },
  'train.epochs': count(1, 100_000),
  'train.batchSize': count(1, 65536),
  'train.seed': seed,
  'train.lr': { kind: 'number', min: 0, max: 10, minExclusive: true },
  'train.warmup': { kind: 'number', min: 0, max: 1, maxExclusive: true },
  'train.warmupSteps': count(0),
  'train.decay': oneOf('cosine', 'linear', 'none'),
  'train.clipNorm': { kind: 'number', min: 0, max: 1e6 },
  'train.knownWeight': { kind: 'number', min: 0, max: 100 },
  'train.perPositionShare': { kind: 'number', min: 0, max: 1 },
  'train.auxTargets': {
    kind: 'weights',
    names: AUX_COLUMNS,
    max: 100,
    describe: 'empty: model.auxWeight/4 on each skip column; naming any column, it replaces model.auxWeight, which must then keep its default or say the same',
  },
  'train.weightDecay': { kind: 'number', min: 0, max: 1, maxExclusive: true },
  'train.logEvery': count(1),
  'train.validateEvery': count(0),
  'train.checkpointEvery': count(0),
  'train.checkpointMinutes': { kind: 'number', min: 0, max: 1e6 },
  'train.histogramEvery': count(0),
  'train.keepLast': count(1, 10_000),
  'train.keepBest': count(0, 10_000),
  'train.bestMetric': oneOf('val/loss', 'val/accuracy', 'val/mean_average_accuracy', 'val/first_prediction_accuracy'),
  'train.maxSteps': count(0),
  'train.workers': { ...count(1, 1024), auto: true },
  'train.precision': oneOf('f32', 'f16'),
};

function collectLeafPaths(node: unknown, prefix: string, out: string[]): string[] {
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    // A mapping with a rule of its own (train.auxTargets) is one value, not a section.
    if (isSection(value) && !Object.prototype.hasOwnProperty.call(RULES, `${prefix}${key}`)) collectLeafPaths(value, `${prefix}${key}.`, out);
    else out.push(`${prefix}${key}`);
  }
  return out;
}

/** A nested mapping (not a leaf value): plain objects only; lists are leaves. */
export function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf path of DEFAULTS, in schema order. */
export const LEAF_PATHS: readonly LeafPath[] = collectLeafPaths(DEFAULTS, '', []) as LeafPath[];

/** Section paths ('data', 'data.synth', 'model', 'train'). */
export const SECTION_PATHS: readonly string[] = (() => {
  const sections = new Set<string>();
  for (const path of LEAF_PATHS) {
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) sections.add(parts.slice(0, i).join('.'));
  }
  return [...sections];
})();

export function isLeafPath(path: string): path is LeafPath {
  return Object.prototype.hasOwnProperty.call(RULES, path);
}

/** Human description of what a rule accepts, for error messages and docs. */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'days':
      return 'a list of days YYYY-MM-DD (ranges first..last allowed; comma-separated on the command line)';
    case 'boolean':
      return 'true or false';
    case 'weights':
      return `name=weight pairs (comma-separated), names from ${rule.names.join(', ')}, weights from 0 to ${rule.max}; ${rule.describe}`;
    case 'string':
      return rule.day ? 'a day YYYY-MM-DD' : (rule.describe ?? 'a string');
    case 'number': {
      const what = rule.integer ? 'an integer' : 'a number';
      const bounded = rule.min !== undefined && rule.max !== undefined && rule.max < Number.MAX_SAFE_INTEGER;
      const low = rule.min === undefined ? '' : `${rule.minExclusive ? '>' : '≥'} ${rule.min}`;
      const high =
        rule.max === undefined || rule.max >= Number.MAX_SAFE_INTEGER ? '' : `${rule.maxExclusive ? '<' : '≤'} ${rule.max}`;
      const range = [low, high].filter(Boolean).join(' and ');
      const described =
        bounded && !rule.minExclusive && !rule.maxExclusive ? `${what} from ${rule.min} to ${rule.max}` : range ? `${what} ${range}` : what;
      return rule.auto ? `auto or ${described}` : described;
    }
  }
}

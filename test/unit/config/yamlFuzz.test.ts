// Fuzzed configs: every shipped configs/*.yaml, mutated as bytes (test/helpers/mutators.ts) and as YAML (a key's
// value replaced by another type, an anchor, an alias, a tag, a flow collection; a line indented or dedented; a key
// renamed), loaded as a file by loadConfigDetailed. Every outcome is a config that validates, or a ConfigError that
// names the file and line, or the key — never another exception, never a line shown as '?'.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CONFIGS_DIR, loadConfigDetailed, shippedConfigNames } from '../../../src/config/load.ts';
import { validateConfig } from '../../../src/config/validate.ts';
import { isUserFacing } from '../../../src/errors.ts';
import { FUZZ } from '../../helpers/fuzz.ts';
import { mutate, mutationArb, type Mutation } from '../../helpers/mutators.ts';

type YamlMutation =
  | { kind: 'setValue'; line: number; value: string }
  | { kind: 'indent'; line: number; by: number }
  | { kind: 'renameKey'; line: number; key: string };

/** Values of every YAML type, and YAML's own syntax where a plain value was. */
const YAML_VALUES = [
  '', '~', 'null', '[]', '{}', '[1, 2]', '{a: 1}', '[a, [b]]', '-1', '0', '1e309', '-.inf', '.nan', 'true', 'yes', 'off',
  '"x"', "'", '"', '&a 1', '*a', '*nope', '&a [*a]', '!!binary aGVsbG8=', '!!timestamp 2018-07-15', '!!str 12',
  '!!int x', '!!set {a, b}', '!!omap [a: 1]', '2018-07-15', '2018-07-15..2018-07-10', '2018-02-30', '0..1', '|', '>',
  '- a', 'auto', '0x10', '0o17', '1_000', '12:30', '<<: *a', '? a', '%YAML 1.2', '---', '...', '#', 'a: b: c', '\t1',
];

const where = fc.nat({ max: 1_000_000 });
const yamlMutationArb: fc.Arbitrary<YamlMutation> = fc.oneof(
  fc.record({ kind: fc.constant('setValue' as const), line: where, value: fc.oneof(fc.constantFrom(...YAML_VALUES), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('indent' as const), line: where, by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('renameKey' as const), line: where, key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'data', 'model.hidden', 'hidden', '', '"a"', '? x'), fc.string({ maxLength: 12 })) }),
);

const KEY_LINE = /^(\s*)([^\s:#][^:#]*):(.*)$/;

function mutateYaml(text: string, m: YamlMutation): string {
  const lines = text.split('\n');
  const keyed = lines.map((l, i) => (KEY_LINE.test(l) ? i : -1)).filter((i) => i >= 0);
  const k = m.kind === 'indent' ? m.line % lines.length : keyed[m.line % keyed.length];
  const [, indent, key, value] = KEY_LINE.exec(lines[k]) ?? ['', '', '', ''];
  if (m.kind === 'setValue' && key) lines[k] = `${indent}${key}: ${m.value}`;
  if (m.kind === 'renameKey' && key) lines[k] = `${indent}${m.key}:${value}`;
  if (m.kind === 'indent') lines[k] = m.by >= 0 ? ' '.repeat(m.by) + lines[k] : lines[k].replace(new RegExp(`^ {0,${-m.by}}`), '');
  return lines.join('\n');
}

const anyMutation = fc.oneof(
  mutationArb.map((m) => ({ bytes: m })),
  yamlMutationArb.map((m) => ({ yaml: m })),
);
type AnyMutation = { bytes: Mutation } | { yaml: YamlMutation };

const apply = (text: string, ms: AnyMutation[]) =>
  ms.reduce((t, m) => ('bytes' in m ? mutate(Buffer.from(t), m.bytes).toString('utf8') : mutateYaml(t, m.yaml)), text);

let dir = '';

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-yaml-'));
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const REGRESSIONS: [string, AnyMutation[]][] = [];

test('shipped configs, mutated: a valid config, or a ConfigError naming the file and line or the key', async () => {
  const names = shippedConfigNames();
  assert.ok(names.length > 0);
  const texts = new Map(names.map((n) => [n, readFileSync(join(CONFIGS_DIR, `${n}.yaml`), 'utf8')]));
  const file = join(dir, 'config.yaml');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...names), fc.array(anyMutation, { minLength: 1, maxLength: 3 }), async (name, ms) => {
      await writeFile(file, apply(texts.get(name)!, ms));
      const how = `${name} ${JSON.stringify(ms)}`;
      try {
        const { config, origins } = loadConfigDetailed(file, {}, { warn: () => {} });
        validateConfig(config, origins);
      } catch (e) {
        if (!isUserFacing(e) || (e as Error).name !== 'ConfigError') throw new Error(`${how}: not a ConfigError: ${(e as Error).stack}`);
        const msg = (e as Error).message;
        assert.ok(msg.startsWith(`${file}:`) || msg.startsWith('config key '), `${how}: names neither the file nor a key: ${msg}`);
        assert.not.match(msg, /:\?\b|:\?:/, `${how}: a line shown as '?': ${msg}`);
        if (msg.startsWith(`${file}:`)) assert.match(msg.slice(file.length), /^:\d+: /, `${how}: no line: ${msg}`);
      }
    }),
    { ...FUZZ, examples: REGRESSIONS },
  );
});

test.run();

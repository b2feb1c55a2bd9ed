// Config files in YAML: reading them into settings that remember their line (so errors say "configs/lstm.yaml:12"),
// and writing a fully resolved config back (saved in each run folder; it loads back to an equal object).
import { Document, LineCounter, isAlias, isMap, isScalar, parseDocument, visit, type Node } from 'yaml';
import { ConfigError } from '../errors.ts';
import { formatDays } from './days.ts';
import type { Config } from './schema.ts';
import { isSectionOrUnknown, mergeSettings, type Setting } from './resolve.ts';
import { validateConfig, type ValidateOptions } from './validate.ts';

/** Parse YAML text into settings; `where` (a file path) prefixes every error and origin. */
export function yamlSettings(text: string, where: string): Setting[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? '?' : String(lines.linePos(offset).line));
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const firstSentence = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}:${lineOf(error.pos[0])}: YAML syntax error: ${firstSentence}`);
  }
  const settings: Setting[] = [];
  const walk = (node: Node, prefix: string) => {
    if (!isMap(node)) {
      throw new ConfigError(`${where}:${lineOf(node.range?.[0])}: expected a mapping of config keys (experiment, data, model, train)`);
    }
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const path = `${prefix}${key}`;
      const origin = `in ${where}:${lineOf(keyNode?.range?.[0])}`;
      let value = pair.value as Node | null;
      if (isAlias(value)) value = value.resolve(doc) ?? null;
      if (isMap(value) && isSectionOrUnknown(path)) walk(value, `${path}.`);
      else settings.push({ path, value: value === null ? null : isScalar(value) ? value.value : value.toJSON(), origin });
    }
  };
  if (doc.contents !== null) walk(doc.contents, '');
  return settings;
}

/** DEFAULTS ← this YAML text, fully validated. The inverse of configToYaml. */
export function parseConfigYaml(text: string, where: string, options?: ValidateOptions): Config {
  const { config, origins } = mergeSettings([yamlSettings(text, where)]);
  validateConfig(config, origins, options);
  return config;
}

const HEADER = [
  ' Fully resolved skiptrain config: defaults, the config file and command-line overrides merged.',
  ' Load it again with: skiptrain train <this file>. Day lists use ranges first..last (inclusive).',
].join('\n');

/** The whole config as YAML, every key present; day lists are compressed to ranges. */
export function configToYaml(config: Config): string {
  const plain = structuredClone(config) as Config & { data: Record<'trainDays' | 'valDays' | 'testDays' | 'heldOutDays', unknown> };
  for (const key of ['trainDays', 'valDays', 'testDays', 'heldOutDays'] as const) plain.data[key] = formatDays(config.data[key]);
  const doc = new Document(plain);
  visit(doc, {
    Seq(_, seq) {
      seq.flow = true;
    },
  });
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 0 });
}

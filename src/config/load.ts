// Loading an experiment config: DEFAULTS ← YAML file ← command-line overrides, validated before any work starts.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { applyDeprecatedHeldOut } from './heldOut.ts';
import type { Config } from './schema.ts';
import { mergeSettings, settingsFromArgv, settingsFromObject, type Origins, type Setting } from './resolve.ts';
import { closestKey } from './suggest.ts';
import { validateConfig, type ValidateOptions } from './validate.ts';
import { yamlSettings } from './yaml.ts';

/** The repository's shipped configs (configs/ next to src/). */
export const CONFIGS_DIR = fileURLToPath(new URL('../../configs/', import.meta.url));

/** Sweep files (`skiptrain sweep`) are shipped beside the configs under this prefix; they are not configs. */
export const SWEEP_FILE_PREFIX = 'sweep-';

/** Names of the shipped configs, without .yaml, sorted. */
export function shippedConfigNames(): string[] {
  if (!existsSync(CONFIGS_DIR)) return [];
  return readdirSync(CONFIGS_DIR)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith(SWEEP_FILE_PREFIX))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

const isBareName = (s: string) => !s.includes('/') && !s.includes('\\');

/**
 * The file a config name or path refers to. A bare name (`lstm`, `lstm.yaml`) is looked up in configs/ first, then
 * in the working directory; anything with a slash is a path.
 */
export function resolveConfigPath(nameOrPath: string): string {
  const candidates: string[] = [];
  if (isBareName(nameOrPath)) {
    const stem = nameOrPath.replace(/\.ya?ml$/, '');
    candidates.push(join(CONFIGS_DIR, `${stem}.yaml`), join(CONFIGS_DIR, `${stem}.yml`));
  }
  candidates.push(nameOrPath);
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  const names = shippedConfigNames();
  const guess = closestKey(nameOrPath.replace(/\.ya?ml$/, ''), names);
  const hint = guess ? `; did you mean ${guess}?` : '';
  throw new ConfigError(`config '${nameOrPath}' not found (not a file, nor a name in configs/: ${names.join(', ') || 'none'})${hint}`);
}

/** A short name for messages: configs/lstm.yaml rather than an absolute path. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export interface LoadedConfig {
  config: Config;
  /** Where each key was set ("in configs/lstm.yaml:12", "on the command line"); unlisted keys are defaults. */
  origins: Origins;
  /** The YAML file read, if any. */
  file?: string;
}

/** loadConfig, also telling where each value came from (for `--help`-style listings and error reports). */
export function loadConfigDetailed(
  nameOrPath: string | undefined,
  overrides: Record<string, unknown> | readonly string[] = {},
  options?: ValidateOptions,
): LoadedConfig {
  const layers: Setting[][] = [];
  let file: string | undefined;
  if (nameOrPath !== undefined && nameOrPath !== '') {
    file = resolveConfigPath(nameOrPath);
    layers.push(yamlSettings(readFileSync(file, 'utf8'), displayPath(file)));
  }
  layers.push(Array.isArray(overrides) ? settingsFromArgv(overrides) : settingsFromObject(overrides as Record<string, unknown>));
  const { config, origins } = mergeSettings(layers);
  applyDeprecatedHeldOut(config, origins, options?.warn ?? ((line) => console.error(line)));
  validateConfig(config, origins, options);
  return { config, origins, file };
}

/**
 * The experiment config: DEFAULTS ← the YAML file (a name in configs/ or a path) ← command-line overrides.
 * Overrides are dotted keys with string values ({ 'model.hidden': '128' }), nested objects (as yargs parses
 * --model.hidden 128), or raw argv tokens (['--model.hidden', '128']); values are coerced by the schema's types.
 * Throws ConfigError naming the key path (and file:line or "command line") for anything invalid.
 */
export function loadConfig(
  nameOrPath: string | undefined,
  overrides: Record<string, unknown> | readonly string[] = {},
  options?: ValidateOptions,
): Config {
  return loadConfigDetailed(nameOrPath, overrides, options).config;
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The config overrides in a yargs argv: everything except yargs' own keys and the command's own options (named in
 * either spelling, with aliases). Pass the result to loadConfig; unknown keys then fail with a suggestion.
 */
export function configOverridesFromArgv(argv: Record<string, unknown>, commandOptions: readonly string[]): Record<string, unknown> {
  const own = new Set(['_', '$0', ...commandOptions.flatMap((o) => [o, camel(o), kebab(o)])]);
  return Object.fromEntries(Object.entries(argv).filter(([key]) => !own.has(key)));
}

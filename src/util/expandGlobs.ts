// Node 20 has no fs.glob: expand the simple patterns `predict` takes ('test_set/log_input_*.csv'). Wildcards
// (* and ?) are allowed in the last path part only, which is how the challenge files are named; matches are sorted
// so the submission follows the files' order.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.ts';

function patternToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Expand each pattern (a plain path is kept as is); a pattern that matches nothing is an error naming it. */
export function expandGlobs(patterns: string[], what: string): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const name = basename(pattern);
    if (/[*?]/.test(dir)) throw new UserError(`${what}: wildcards are only supported in the file name, not in '${dir}'`);
    if (!/[*?]/.test(name)) {
      let isFile = false;
      try {
        isFile = statSync(pattern).isFile();
      } catch {
        // reported below
      }
      if (!isFile) throw new UserError(`${what}: no such file '${pattern}'`);
      files.push(pattern);
      continue;
    }
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      throw new UserError(`${what}: no such folder '${dir}' (from '${pattern}')`);
    }
    const re = patternToRegExp(name);
    const matched = entries.filter((e) => re.test(e)).map((e) => join(dir, e));
    if (!matched.length) throw new UserError(`${what}: '${pattern}' matches no file`);
    files.push(...matched);
  }
  return [...new Set(files)].sort();
}

// A run folder holds one training run: <checkpoints>/<experiment>/<run-id>/ with config.yaml (fully resolved),
// stats.json (feature statistics), TensorBoard event files, checkpoints/ and, while a process trains in it,
// train.lock (runLock.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { configToYaml } from '../config/yaml.ts';
import type { FeatureStats } from '../data/format/types.ts';
import { writeFileAtomic } from '../util/atomic.ts';

/** A sortable UTC timestamp: 20260115-093012. */
export function timestampRunId(now = new Date()): string {
  const iso = now.toISOString(); // 2026-01-15T09:30:12.345Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/**
 * Claims a new, empty run folder (mkdir without `recursive` fails if it exists, so two runs started in the same
 * second get -2, -3 … suffixes); the trainer locks it, then writes the run files.
 */
export function claimRunFolder(config: Config, now = new Date()): string {
  const parent = join(config.checkpoints, config.experiment);
  mkdirSync(parent, { recursive: true });
  const base = timestampRunId(now);
  for (let attempt = 1; ; attempt++) {
    const folder = join(parent, attempt === 1 ? base : `${base}-${attempt}`);
    try {
      mkdirSync(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    return folder;
  }
}

export async function writeRunFiles(folder: string, config: Config, stats: FeatureStats): Promise<void> {
  await writeFileAtomic(join(folder, 'config.yaml'), configToYaml(config));
  await writeFileAtomic(join(folder, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
}

export const runConfigPath = (folder: string) => join(folder, 'config.yaml');

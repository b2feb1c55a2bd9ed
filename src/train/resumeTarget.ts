// What `train --resume <path>` continues from: the latest checkpoint of a run folder (or the checkpoint folder
// named), or — for a run stopped before its first checkpoint — nothing but the run folder itself, which then starts
// over in place rather than leaving the run stranded.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkpointsDir, listCheckpoints, resolveCheckpoint } from './checkpoint.ts';
import { runConfigPath } from './runFolder.ts';

export interface ResumeTarget {
  runFolder: string;
  /** The checkpoint folder to continue from; absent when the run never saved one. */
  checkpoint?: string;
}

/**
 * Throws the UserError of resolveCheckpoint for a path that is neither a run folder nor a checkpoint; `log` hears
 * about a damaged `latest` pointer.
 */
export function resumeTarget(path: string, log: (line: string) => void): ResumeTarget {
  const isRun = existsSync(runConfigPath(path));
  const hasCheckpoint = existsSync(join(checkpointsDir(path), 'latest')) || listCheckpoints(checkpointsDir(path)).length > 0;
  if (isRun && !hasCheckpoint) return { runFolder: path };
  const checkpoint = resolveCheckpoint(path, log);
  return { runFolder: dirname(dirname(checkpoint)), checkpoint };
}

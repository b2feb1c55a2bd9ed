// One trial's training up to a rung, as a `skiptrain train --resume <run folder>` child process: trials run side by
// side (--parallel), one crashing takes nothing else down, and each run folder is exactly what `train` makes.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../../config/schema.ts';
import { isProcessRunning } from '../../util/processes.ts';
import { runLockPath } from '../runLock.ts';
import { readScalars } from '../tensorboard/reader.ts';
import { bestOf } from './halving.ts';

const BIN = fileURLToPath(new URL('../../../bin/skiptrain.js', import.meta.url));

export const trialLogPath = (runFolder: string) => join(runFolder, 'train.log');

export interface TrialProcess {
  /** The child's exit code (130 when it stopped on an interrupt, with a checkpoint). */
  exited: Promise<number>;
  /** Ask the child to checkpoint and stop, as Ctrl-C asks `train`. */
  interrupt(): void;
}

/** Trains the run folder's config (config.yaml) until `fraction` of its plan; output goes to its train.log. */
export function startTrial(runFolder: string, fraction: number): TrialProcess {
  const args = [BIN, 'train', '--resume', runFolder, ...(fraction < 1 ? ['--until-fraction', String(fraction)] : [])];
  const out = openSync(trialLogPath(runFolder), 'a');
  // A process group of its own: a Ctrl-C reaches the sweep alone, which passes it on once (a second one would make
  // `train` quit without saving).
  const child = spawn(process.execPath, args, { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
  return { exited, interrupt: () => child.kill('SIGINT') };
}

/**
 * Waits while another process trains in the run folder: a trial that a killed sweep left running goes on to the end
 * of its rung on its own, and the resumed sweep takes the trial over from there.
 */
export async function waitForRunLock(runFolder: string, log: (line: string) => void): Promise<void> {
  let told = false;
  for (;;) {
    let pid: number | undefined;
    try {
      pid = (JSON.parse(readFileSync(runLockPath(runFolder), 'utf8')) as { pid: number }).pid;
    } catch {
      return; // no lock (or a torn one, which `train` sorts out)
    }
    if (!Number.isInteger(pid) || !isProcessRunning(pid!)) return;
    if (!told) log(`${runFolder}: waiting for pid ${pid}, still training in it (left running by the sweep that stopped)`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The step and planned steps of the run's newest checkpoint (none before its first). */
export function checkpointPosition(runFolder: string): { step: number; plannedSteps: number } | undefined {
  const dir = join(runFolder, 'checkpoints'); // checkpoint.ts's layout; not imported, as that loads TensorFlow.js
  if (!existsSync(dir)) return undefined;
  const newest = readdirSync(dir).filter((name) => /^step-\d+$/.test(name)).sort().pop();
  if (!newest) return undefined;
  try {
    const { step, plannedSteps } = JSON.parse(readFileSync(join(dir, newest, 'manifest.json'), 'utf8')) as { step: number; plannedSteps: number };
    return { step, plannedSteps };
  } catch {
    return undefined; // a damaged checkpoint: the child's resume says what it makes of it
  }
}

/** Whether the run has already trained to `fraction` of its plan (a sweep killed before it wrote that down). */
export function reached(runFolder: string, fraction: number): boolean {
  const position = checkpointPosition(runFolder);
  return position !== undefined && position.step >= Math.ceil(fraction * position.plannedSteps);
}

/** The best value of the metric the run logged (validation days only), or undefined when it logged none. */
export async function bestValidation(runFolder: string, metric: TrainConfig['bestMetric']): Promise<number | undefined> {
  const points = (await readScalars(runFolder, { onWarning: () => {} })).get(metric) ?? [];
  return bestOf(points.map((p) => p.value), metric);
}

/** The last lines of a trial's train.log, for a failed trial's record. */
export function logTail(runFolder: string, lines = 3): string {
  try {
    return readFileSync(trialLogPath(runFolder), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

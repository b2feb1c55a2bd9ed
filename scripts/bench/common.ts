// Pieces the benches share: child stages (per-stage timing in a child process of its own), the
// gunzip baseline and the synthetic archive they both generate into .cache/bench/.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';

export const MB = 1e6;

/** Whether this module runs as a bench's child stage (`node <this file> --child …`, started by runChild). */
export function isChild(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === moduleUrl && process.argv[2] === '--child';
}

/** A child stage's own arguments, after `--child`. */
export const childArgv = (): string[] => process.argv.slice(3);

/** A comma-separated list option as numbers ("64,512"), or undefined when not given. */
export const numbers = (list: string | undefined): number[] | undefined => list?.split(',').map(Number);

export interface StageCost {
  seconds: number;
  /** CPU seconds of the whole process, all threads (zlib's pool and any parsing worker included). */
  cpuSeconds: number;
  /** The process's peak RSS so far: a stage's own only because each stage runs in a process of its own. */
  peakRssMB: number;
}

/** Starts the clocks; the returned function reads wall time, CPU time and peak RSS since then. */
export function startStage(): () => StageCost {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  return () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  };
}

/** file → zlib → null sink: the ceiling of any pass over the compressed archive. */
export async function gunzipToNull(path: string): Promise<void> {
  const gz = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  for await (const chunk of gz) void chunk;
}

/** Runs `script --child stage ...args` in a fresh process and parses the JSON of its last stdout line. */
export function runChild<T>(script: string, stage: string, args: string[]): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', stage, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`stage ${stage} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/** .cache/bench/pipeline-<sessions>/training_set.tar.gz (with track_features.tar.gz beside it), generated once. */
export async function synthArchive(sessions: number): Promise<string> {
  const dir = join('.cache', 'bench', `pipeline-${sessions}`);
  const logs = join(dir, 'training_set.tar.gz');
  if (!existsSync(logs)) {
    const { writeSynth } = await import('../../src/data/synth/index.ts');
    console.error(`generating ${sessions.toLocaleString('en-US')} synthetic sessions into ${dir} (once; takes minutes)…`);
    await writeSynth({
      out: dir,
      sessions,
      days: 4,
      seed: 2019,
      tracks: 200_000,
      onProgress: (n) => process.stderr.write(`\r  ${n.toLocaleString('en-US')} sessions`),
    });
    process.stderr.write('\n');
  }
  return logs;
}

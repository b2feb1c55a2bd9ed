// npm run bench -- startup [--runs N] [--json] [--no-installed]
//
// Start-up time of the command line as whole processes, the median of N runs (default 10) each, for
// `skiptrain --help` and `skiptrain train --help`:
//   installed  node_modules/.bin/skiptrain of a package made by `npm pack` and installed into a temp folder
//              (scripts/packInstall.ts): what a user runs; it runs the compiled dist/
//   sources    the TypeScript sources through tsx, as every start ran before dist/ (the baseline)
// One JSON line per command and way, {"step": "startup", "command", "how", "medianMs", "runs"}.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPackedCopy } from '../packInstall.ts';

export interface StartupBenchArgs {
  json: boolean;
  runs: number;
  installed: boolean;
}

const COMMANDS = [['--help'], ['train', '--help']];

function medianMs(command: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const r = spawnSync(command, args, { encoding: 'utf8' });
    times.push(performance.now() - start);
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop()}`);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[(runs - 1) >> 1] + times[runs >> 1]) / 2);
}

export async function runStartupBench(args: StartupBenchArgs): Promise<void> {
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const ways: { how: string; command: string; prefix: string[] }[] = [{ how: 'sources', command: process.execPath, prefix: ['--import', 'tsx', cli] }];
  const scratch = mkdtempSync(join(tmpdir(), 'skiptrain-startup-'));
  try {
    if (args.installed) {
      console.error('packing and installing this checkout into a temp folder…');
      const copy = installPackedCopy(scratch);
      if ('skipped' in copy) console.error(`installed: not measured (${copy.skipped})`);
      else ways.unshift({ how: 'installed', command: copy.bin, prefix: [] });
    }
    for (const way of ways) {
      for (const command of COMMANDS) {
        const row = { step: 'startup', command: `skiptrain ${command.join(' ')}`, how: way.how, medianMs: medianMs(way.command, [...way.prefix, ...command], args.runs), runs: args.runs };
        console.log(args.json ? JSON.stringify(row) : `${row.how.padEnd(10)} ${row.command.padEnd(24)} ${String(row.medianMs).padStart(6)} ms (median of ${row.runs})`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

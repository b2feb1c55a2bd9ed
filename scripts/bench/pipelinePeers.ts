// npm run bench -- pipeline --peers [--folder DIR] [--peers-python PATH] [--rounds N]
//
// `inspect` beside other readers of the same .csv.gz files, in the same run: the gunzip command and Node's zlib (the
// ceilings: decompression alone), DuckDB and pandas (scripts/bench/peer_read.py, in the Python of the training
// peers: --peers-python, SKIPTRAIN_PEERS_PYTHON, else python3). Each tool reads the whole folder in a process of its
// own; the tools take turns, round after round, so that the machine's drift touches them alike. The files are those
// of issue 29: `skiptrain synth --sessions 450000 --days 2 --files-per-day 8 --seed 5`, the training archive's 16
// CSVs unpacked and each gzipped with `gzip -1` (~260 MB, 7.46 M rows), made once into .cache/bench/.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { DEFAULTS } from '../../src/config/schema.ts';
import { openEntries } from '../../src/data/source/archive.ts';
import { accumulateLogSummary, finishLogSummary } from '../../src/data/passes/logSummary.ts';
import { childArgv, gunzipToNull, isChild, MB, runChild, startStage } from './common.ts';
import { peersPython } from './peers.ts';

export const PEER_FILES = { sessions: 450_000, days: 2, filesPerDay: 8, seed: 5 };

export const INSTALL_READ_PEERS =
  'python3 -m venv v && v/bin/pip install duckdb pandas (on a closed network add the index your pip is configured for), then --peers-python v/bin/python or SKIPTRAIN_PEERS_PYTHON=v/bin/python';

export interface ReadPeerArgs {
  json: boolean;
  folder?: string;
  peersPython?: string;
  rounds: number;
}

export interface ReadPeerRow {
  step: 'peer';
  tool: string;
  seconds: number;
  rows: number;
  rowsPerSec: number;
  round: number;
  /** The process's CPU seconds, all threads (Node tools only). */
  cpuSeconds?: number;
  version?: string;
  threads?: number;
}

export const gzFiles = (folder: string): string[] =>
  readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.csv.gz'))
    .sort()
    .map((name) => join(folder, name));

/** .cache/bench/peers-450000/logs: the training archive's CSVs, each gzipped with `gzip -1` (made once). */
export async function peerFolder(): Promise<string> {
  const dir = join('.cache', 'bench', `peers-${PEER_FILES.sessions}`);
  const folder = join(dir, 'logs');
  if (existsSync(folder)) return folder;
  const { writeSynth } = await import('../../src/data/synth/index.ts');
  console.error(`generating the peers' files into ${folder} (once; takes a few minutes)…`);
  const { tracks, startDate } = DEFAULTS.data.synth; // as the command line's defaults
  const made = await writeSynth({ out: dir, ...PEER_FILES, tracks, startDate });
  const temp = `${folder}.tmp`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  for await (const entry of openEntries(made.logs)) {
    const csv = join(temp, entry.path.split('/').pop()!);
    await pipeline(entry.bytes, createWriteStream(csv));
    const gz = spawnSync('gzip', ['-1', csv], { stdio: 'inherit' });
    if (gz.error || gz.status !== 0) {
      // No gzip command: zlib at level 1 (not the same bytes as gzip -1, close in size and speed).
      console.error(`gzip -1 failed (${gz.error?.message ?? `exit ${gz.status}`}); compressing with zlib level 1`);
      await pipeline(createReadStream(csv), createGzip({ level: 1 }), createWriteStream(`${csv}.gz`));
      await rm(csv);
    }
  }
  await rename(temp, folder);
  return folder;
}

/** A Node tool in a child process of its own: its seconds, CPU seconds and rows. */
async function nodeStage(tool: string, folder: string): Promise<{ seconds: number; cpuSeconds: number; rows: number }> {
  const cost = startStage();
  let rows = 0;
  if (tool === 'zlib') for (const file of gzFiles(folder)) await gunzipToNull(file);
  else if (tool === 'inspect') rows = finishLogSummary(await accumulateLogSummary(folder)).rows;
  else throw new Error(`unknown tool ${tool}`);
  const { seconds, cpuSeconds } = cost();
  return { seconds, cpuSeconds, rows };
}

if (isChild(import.meta.url)) {
  const [tool, folder] = childArgv();
  console.log(JSON.stringify(await nodeStage(tool, folder)));
}

/** The gunzip command over every file, output to /dev/null. */
function gunzipCommand(folder: string): { seconds: number } | { error: string } {
  const start = process.hrtime.bigint();
  for (const file of gzFiles(folder)) {
    const r = spawnSync('gunzip', ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.error || r.status !== 0) return { error: r.error?.message ?? r.stderr.toString().trim() };
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

type PeerOutcome = { seconds: number; rows?: number; cpuSeconds?: number; version?: string; threads?: number } | { error: string };

function pythonTool(python: string, tool: string, query: string, folder: string): PeerOutcome {
  const script = fileURLToPath(new URL('./peer_read.py', import.meta.url));
  const r = spawnSync(python, [script, '--tool', tool, '--query', query, '--folder', folder], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error) return { error: `${python}: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && line.startsWith('{')) return JSON.parse(line) as PeerOutcome;
  return { error: r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status ?? r.signal}` };
}

/** inspect first: its row count is the decompressors' too. */
const TOOLS = ['inspect', 'duckdb', 'duckdb-count', 'pandas', 'gunzip', 'zlib'] as const;

function runTool(tool: (typeof TOOLS)[number], folder: string, python: string): PeerOutcome {
  if (tool === 'gunzip') return gunzipCommand(folder);
  if (tool === 'zlib' || tool === 'inspect') return runChild(fileURLToPath(import.meta.url), tool, [folder]);
  if (tool === 'duckdb-count') return pythonTool(python, 'duckdb', 'count', folder);
  return pythonTool(python, tool, 'summary', folder);
}

export interface PeerSummary {
  folder: string;
  compressedMB: number;
  rows: number;
  /** Per tool, its best round. */
  best: Record<string, { seconds: number; rowsPerSec: number }>;
  /** inspect's rows/s over each other tool's (best rounds). */
  inspectRatio: Record<string, number>;
  missing: Record<string, string>;
}

/** Runs every tool `rounds` times, handing each row to `show` as it comes. */
export async function runReadPeers(args: ReadPeerArgs, show: (row: ReadPeerRow | Record<string, unknown>) => void): Promise<PeerSummary> {
  const folder = args.folder ?? (await peerFolder());
  const files = gzFiles(folder);
  if (files.length === 0) throw new Error(`no .csv.gz files under ${folder}`);
  const compressedMB = files.reduce((n, f) => n + statSync(f).size, 0) / MB;
  const python = peersPython(args.peersPython);
  const rows: ReadPeerRow[] = [];
  const missing: Record<string, string> = {};
  let dataRows = 0; // as inspect counts them; the decompressors' rows are the same files'
  for (let round = 1; round <= Math.max(1, args.rounds); round++) {
    for (const tool of TOOLS) {
      if (missing[tool]) continue;
      console.error(`  peers, round ${round}: ${tool}…`);
      const r = runTool(tool, folder, python);
      if ('error' in r) {
        missing[tool] = r.error;
        show({ step: 'peer-missing', tool, python, reason: r.error });
        continue;
      }
      if (tool === 'inspect') dataRows = r.rows!;
      const n = r.rows || dataRows;
      const row: ReadPeerRow = { step: 'peer', tool, seconds: +r.seconds.toFixed(3), rows: n, rowsPerSec: Math.round(n / r.seconds), round };
      if (r.cpuSeconds !== undefined) row.cpuSeconds = +r.cpuSeconds.toFixed(2);
      if (r.version !== undefined) row.version = r.version;
      if (r.threads !== undefined) row.threads = r.threads;
      rows.push(row);
      show(row);
    }
  }
  if (missing.duckdb || missing.pandas) console.error(`DuckDB or pandas did not run in ${python}; to install them: ${INSTALL_READ_PEERS}`);
  const best: PeerSummary['best'] = {};
  for (const r of rows) {
    if (!best[r.tool] || r.seconds < best[r.tool].seconds) best[r.tool] = { seconds: r.seconds, rowsPerSec: r.rowsPerSec };
  }
  const inspectRatio: Record<string, number> = {};
  for (const tool of Object.keys(best)) {
    if (tool !== 'inspect' && best.inspect) inspectRatio[tool] = +(best.inspect.rowsPerSec / best[tool].rowsPerSec).toFixed(3);
  }
  return { folder, compressedMB: +compressedMB.toFixed(1), rows: dataRows, best, inspectRatio, missing };
}

// npm run bench -- pipeline [--json] [--archive PATH] [--sessions N]
//
// Throughput and memory of the log reader on a synthetic archive of ≥ 200 MB compressed (generated once into
// .cache/bench/pipeline/ with the synth generator), against plain gunzip of the same archive in the same run.
// Each stage runs in its own child process so that its peak RSS is its own:
//   gunzip     file → zlib → null sink (the ceiling)
//   tar        + tar-stream member splitting
//   split      + the byte-level line/field splitter (src/data/csv.ts)
//   papaparse  the alternative: tar members parsed block by block with papaparse (rows as arrays; first 50 MB)
//   sessions   the whole reader: rows parsed, checked and grouped into Session objects (readSessions)
//   sessions@100MB  the same, stopped after 100 MB of compressed input (flat memory: compare its peak RSS)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { openEntries } from '../../src/data/archive.ts';
import { readLineChunks, splitFields } from '../../src/data/csv.ts';
import { newReadCounts, readSessions } from '../../src/data/logs.ts';

const MB = 1e6;
const argv = process.argv.slice(2).filter((a) => a !== 'pipeline');
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};

interface StageResult {
  stage: string;
  seconds: number;
  /** CPU seconds of the whole process (all threads, zlib's included): a fairer yardstick on a shared machine. */
  cpuSeconds: number;
  compressedBytes: number;
  rows: number;
  sessions: number;
  peakRssMB: number;
}

async function runStage(stage: string, path: string, limitMB: number): Promise<StageResult> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let rows = 0;
  let sessions = 0;
  let compressedBytes = statSync(path).size;
  if (stage === 'gunzip') {
    const gz = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
    for await (const chunk of gz) void chunk;
  } else if (stage === 'tar') {
    for await (const entry of openEntries(path)) for await (const chunk of entry.bytes) void chunk;
  } else if (stage === 'split') {
    for await (const entry of openEntries(path)) {
      for await (const chunk of readLineChunks(entry)) {
        for (const line of chunk.lines) if (line.length > 0 && splitFields(line).length > 0) rows++;
      }
    }
    rows -= 0; // header lines included: one per file, negligible
  } else if (stage === 'papaparse') {
    // papaparse used the fast way (whole decoded blocks, cut at the last newline), not row-by-row through its
    // Node stream, which measured ~45k rows/s here. Stops after `limitMB` of compressed input: a rate is enough.
    outer: for await (const entry of openEntries(path)) {
      let carry = '';
      for await (const chunk of entry.bytes) {
        const text = carry + chunk.toString('latin1');
        const cut = text.lastIndexOf('\n');
        carry = text.slice(cut + 1);
        rows += Papa.parse<string[]>(text.slice(0, cut), { delimiter: ',' }).data.length;
        if (limitMB > 0 && entry.sourceBytesRead() >= limitMB * MB) {
          compressedBytes = entry.sourceBytesRead();
          break outer;
        }
      }
    }
  } else if (stage === 'sessions') {
    const counts = newReadCounts();
    let stopped = false;
    for await (const s of readSessions(path, {
      counts,
      badDates: 'keep',
      onProgress: (p) => {
        if (limitMB > 0 && p.compressedBytes >= limitMB * MB) stopped = true;
        compressedBytes = p.compressedBytes;
      },
    })) {
      sessions++;
      rows += s.rows.length;
      if (stopped) break;
    }
    if (!stopped) compressedBytes = statSync(path).size;
  } else throw new Error(`unknown stage ${stage}`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { stage, seconds, cpuSeconds, compressedBytes, rows, sessions, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

function child(stage: string, path: string, limitMB = 0): StageResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', stage, path, String(limitMB)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`stage ${stage} failed (exit ${r.status})`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as StageResult;
  if (limitMB > 0 && stage === 'sessions') result.stage = `${stage}@${limitMB}MB`;
  return result;
}

async function ensureArchive(): Promise<string> {
  const given = option('archive');
  if (given) return given;
  const sessions = Number(option('sessions') ?? 450_000);
  const dir = join('.cache', 'bench', `pipeline-${sessions}`);
  const logs = join(dir, 'training_set.tar.gz');
  if (!existsSync(logs)) {
    const { writeSynth } = await import('../../src/data/synth.ts');
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

if (argv[0] === '--child') {
  const result = await runStage(argv[1], argv[2], Number(argv[3] ?? 0));
  console.log(JSON.stringify(result));
} else {
  const archive = await ensureArchive();
  const sizeMB = statSync(archive).size / MB;
  if (sizeMB < 200 && !option('archive')) console.error(`warning: the archive is only ${sizeMB.toFixed(0)} MB (target ≥ 200 MB); pass a larger --sessions`);
  const stages = flag('quick') ? ['gunzip', 'sessions'] : ['gunzip', 'tar', 'split', 'papaparse', 'sessions'];
  const results: StageResult[] = [];
  for (const stage of stages) {
    console.error(`  running ${stage}…`);
    results.push(child(stage, archive, stage === 'papaparse' ? Math.min(50, sizeMB) : 0));
  }
  const half = Math.min(100, Math.floor(sizeMB / 2));
  console.error(`  running sessions@${half}MB…`);
  results.push(child('sessions', archive, half));

  const by = (stage: string) => results.find((r) => r.stage === stage)!;
  const mbps = (r: StageResult) => r.compressedBytes / MB / r.seconds;
  const cpuMbps = (r: StageResult) => r.compressedBytes / MB / r.cpuSeconds;
  const full = by('sessions');
  const summary = {
    archive,
    archiveMB: +sizeMB.toFixed(1),
    rowsPerSec: Math.round(full.rows / full.seconds),
    sessionsPerSec: Math.round(full.sessions / full.seconds),
    compressedMBPerSec: +mbps(full).toFixed(2),
    gunzipMBPerSec: +mbps(by('gunzip')).toFixed(2),
    gunzipRatio: +(mbps(full) / mbps(by('gunzip'))).toFixed(3),
    gunzipRatioCpu: +(cpuMbps(full) / cpuMbps(by('gunzip'))).toFixed(3),
    loadAverage: +loadavg()[0].toFixed(2),
    cpus: cpus().length,
    peakRssMB: +full.peakRssMB.toFixed(0),
    [`peakRssMB@${half}MB`]: +by(`sessions@${half}MB`).peakRssMB.toFixed(0),
    stages: results.map((r) => ({
      stage: r.stage,
      seconds: +r.seconds.toFixed(2),
      cpuSeconds: +r.cpuSeconds.toFixed(2),
      compressedMBPerSec: +mbps(r).toFixed(2),
      compressedMBPerCpuSec: +cpuMbps(r).toFixed(2),
      rowsPerSec: r.rows ? Math.round(r.rows / r.seconds) : undefined,
      peakRssMB: +r.peakRssMB.toFixed(0),
    })),
  };
  if (flag('json')) console.log(JSON.stringify(summary));
  else {
    console.log(`pipeline bench on ${archive} (${summary.archiveMB} MB compressed)\n`);
    console.log(
      `${'stage'.padEnd(18)}${'seconds'.padStart(9)}${'cpu s'.padStart(8)}${'MB/s (gz)'.padStart(11)}${'MB/cpu-s'.padStart(10)}` +
        `${'rows/s'.padStart(12)}${'peak RSS'.padStart(11)}`,
    );
    for (const s of summary.stages) {
      console.log(
        `${s.stage.padEnd(18)}${s.seconds.toFixed(2).padStart(9)}${s.cpuSeconds.toFixed(2).padStart(8)}` +
          `${s.compressedMBPerSec.toFixed(1).padStart(11)}${s.compressedMBPerCpuSec.toFixed(1).padStart(10)}` +
          `${(s.rowsPerSec?.toLocaleString('en-US') ?? '-').padStart(12)}${`${s.peakRssMB} MB`.padStart(11)}`,
      );
    }
    console.log(
      `\nreader: ${summary.rowsPerSec.toLocaleString('en-US')} rows/s, ${summary.sessionsPerSec.toLocaleString('en-US')} sessions/s, ` +
        `${summary.compressedMBPerSec} MB/s compressed = ${summary.gunzipRatio} × plain gunzip (${summary.gunzipMBPerSec} MB/s); ` +
        `peak RSS ${summary.peakRssMB} MB (vs ${summary[`peakRssMB@${half}MB`]} MB after ${half} MB)`,
    );
    console.log(
      `per CPU-second (less sensitive to other load; load average was ${summary.loadAverage} on ${summary.cpus} cores): ` +
        `${summary.gunzipRatioCpu} × plain gunzip`,
    );
  }
}

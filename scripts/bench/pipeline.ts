// npm run bench -- pipeline [--json] [--quick] [--archive PATH] [--sessions N] [--peers [--folder DIR] [--peers-python PATH] [--rounds N]]
//
// Throughput and memory of the log reader on a synthetic archive of ≥ 200 MB compressed (generated once into
// .cache/bench/pipeline/ with the synth generator), against plain gunzip of the same archive in the same run.
// Each stage runs in its own child process so that its peak RSS is its own:
//   gunzip     file → zlib → null sink (the ceiling)
//   tar        + tar-stream member splitting
//   split      + the byte-level line/field splitter (src/data/source/csv.ts)
//   papaparse  the alternative: tar members parsed block by block with papaparse (rows as arrays; first 50 MB)
//   sessions   the whole reader: one decompression, byte ranges parsed by the default number of parse workers,
//              grouped into blocks and handed out as Session objects (readSessions)
//   blocks-Nw  the reader's session blocks only, with the track table (as the cache build, training and explore
//              read), with N parse workers (N = 1, 2); the table is loaded before the clock starts
//   sessions@100MB  the same as sessions, stopped after 100 MB of compressed input (flat memory: compare peak RSS)
// The top-level figures (rowsPerSec, gunzipRatio, …) are the block reader's with the default parse workers: the
// reader `inspect` and the cache build use. With --peers, `inspect` also runs beside gunzip, DuckDB and pandas on
// the same .csv.gz files (pipelinePeers.ts): JSON lines {"step": "peer", …} before the summary, whose `peers` holds
// the ratios.
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { openEntries } from '../../src/data/source/archive.ts';
import { readLineChunks, splitFields } from '../../src/data/source/csv.ts';
import { readLogBlocks } from '../../src/data/read/blockReader.ts';
import { defaultParseWorkers } from '../../src/data/read/parsePool.ts';
import { readSessions } from '../../src/data/read/logs.ts';
import { newReadCounts } from '../../src/data/read/readOptions.ts';
import { loadTrackTable } from '../../src/data/read/tracks.ts';
import { childArgv, gunzipToNull, isChild, MB, runChild, startStage, synthArchive, type StageCost } from './common.ts';
import { runReadPeers, type PeerSummary, type ReadPeerArgs } from './pipelinePeers.ts';

export interface PipelineBenchArgs extends ReadPeerArgs {
  quick: boolean;
  archive?: string;
  sessions: number;
  peers: boolean;
}

/** cpuSeconds is the fairer yardstick on a shared machine. */
interface StageResult extends StageCost {
  stage: string;
  compressedBytes: number;
  rows: number;
  sessions: number;
}

async function runStage(stage: string, path: string, limitMB: number): Promise<StageResult> {
  // The block reader as training, the cache build and explore use it: with the track table (loaded untimed).
  const tracks = stage.startsWith('blocks-') ? await loadTrackTable(join(dirname(path), 'track_features.tar.gz')) : null;
  const cost = startStage();
  let rows = 0;
  let sessions = 0;
  let compressedBytes = statSync(path).size;
  if (stage === 'gunzip') {
    await gunzipToNull(path);
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
  } else if (stage.startsWith('blocks-')) {
    const workers = Number(stage.slice('blocks-'.length, -1));
    for await (const item of readLogBlocks(path, { workers, badDates: 'keep', tracks: tracks!, unknownTracks: 'zeros' })) {
      if (item.kind !== 'block') continue;
      sessions += item.block.ids.length;
      rows += item.block.trackRow.length;
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
  return { stage, ...cost(), compressedBytes, rows, sessions };
}

function child(stage: string, path: string, limitMB = 0): StageResult {
  const result = runChild<StageResult>(fileURLToPath(import.meta.url), stage, [path, String(limitMB)]);
  if (limitMB > 0 && stage === 'sessions') result.stage = `${stage}@${limitMB}MB`;
  return result;
}

async function ensureArchive(args: PipelineBenchArgs): Promise<string> {
  return args.archive ?? synthArchive(args.sessions);
}

if (isChild(import.meta.url)) {
  const [stage, path, limit] = childArgv();
  console.log(JSON.stringify(await runStage(stage, path, Number(limit ?? 0))));
}

export async function runPipelineBench(args: PipelineBenchArgs): Promise<void> {
  const archive = await ensureArchive(args);
  const sizeMB = statSync(archive).size / MB;
  if (sizeMB < 200 && !args.archive) console.error(`warning: the archive is only ${sizeMB.toFixed(0)} MB (target ≥ 200 MB); pass a larger --sessions`);
  const WORKERS = [1, 2];
  const defaultWorkers = defaultParseWorkers();
  const blockStages = [...new Set([defaultWorkers, ...WORKERS])].map((n) => `blocks-${n}w`);
  const stages = args.quick ? ['gunzip', 'sessions', ...blockStages] : ['gunzip', 'tar', 'split', 'papaparse', 'sessions', ...blockStages];
  const results: StageResult[] = [];
  for (const stage of stages) {
    console.error(`  running ${stage}…`);
    results.push(child(stage, archive, stage === 'papaparse' ? Math.min(50, sizeMB) : 0));
  }
  const half = Math.max(0.5, Math.min(100, Math.floor(sizeMB / 2))); // tiny archives still get a partial stage
  console.error(`  running sessions@${half}MB…`);
  results.push(child('sessions', archive, half));

  const by = (stage: string) => results.find((r) => r.stage === stage)!;
  const mbps = (r: StageResult) => r.compressedBytes / MB / r.seconds;
  const cpuMbps = (r: StageResult) => r.compressedBytes / MB / r.cpuSeconds;
  const reader = by(`blocks-${defaultWorkers}w`);
  const full = by('sessions');
  const summary = {
    archive,
    archiveMB: +sizeMB.toFixed(1),
    /** The stage the top-level figures come from: the block reader with the default parse workers. */
    reader: reader.stage,
    rowsPerSec: Math.round(reader.rows / reader.seconds),
    sessionsPerSec: Math.round(reader.sessions / reader.seconds),
    compressedMBPerSec: +mbps(reader).toFixed(2),
    gunzipMBPerSec: +mbps(by('gunzip')).toFixed(2),
    gunzipRatio: +(mbps(reader) / mbps(by('gunzip'))).toFixed(3),
    gunzipRatioCpu: +(cpuMbps(reader) / cpuMbps(by('gunzip'))).toFixed(3),
    /** The same reader handing out Session objects (readSessions). */
    sessionObjects: {
      rowsPerSec: Math.round(full.rows / full.seconds),
      gunzipRatio: +(mbps(full) / mbps(by('gunzip'))).toFixed(3),
      gunzipRatioCpu: +(cpuMbps(full) / cpuMbps(by('gunzip'))).toFixed(3),
      peakRssMB: +full.peakRssMB.toFixed(0),
    },
    loadAverage: +loadavg()[0].toFixed(2),
    cpus: cpus().length,
    /** Parse workers of the default reader (the figures above), then the block reader with 1 and 2 workers. */
    defaultWorkers,
    workers: WORKERS.map((n) => {
      const r = by(`blocks-${n}w`);
      return {
        workers: n,
        rowsPerSec: Math.round(r.rows / r.seconds),
        sessionsPerSec: Math.round(r.sessions / r.seconds),
        compressedMBPerSec: +mbps(r).toFixed(2),
        gunzipRatio: +(mbps(r) / mbps(by('gunzip'))).toFixed(3),
        cpuSeconds: +r.cpuSeconds.toFixed(2),
        peakRssMB: +r.peakRssMB.toFixed(0),
      };
    }),
    peakRssMB: +reader.peakRssMB.toFixed(0),
    /** readSessions stopped after half the archive: compare with sessionObjects.peakRssMB (flat memory). */
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
  const peers = args.peers ? await runReadPeers(args, (row) => (args.json ? console.log(JSON.stringify(row)) : undefined)) : undefined;
  if (args.json) console.log(JSON.stringify(peers ? { ...summary, peers } : summary));
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
      `\nreader (${summary.reader}): ${summary.rowsPerSec.toLocaleString('en-US')} rows/s, ${summary.sessionsPerSec.toLocaleString('en-US')} sessions/s, ` +
        `${summary.compressedMBPerSec} MB/s compressed = ${summary.gunzipRatio} × plain gunzip (${summary.gunzipMBPerSec} MB/s); ` +
        `peak RSS ${summary.peakRssMB} MB`,
    );
    console.log(
      `as Session objects: ${summary.sessionObjects.rowsPerSec.toLocaleString('en-US')} rows/s = ${summary.sessionObjects.gunzipRatio} × plain gunzip; ` +
        `peak RSS ${summary.sessionObjects.peakRssMB} MB (vs ${summary[`peakRssMB@${half}MB`]} MB after ${half} MB)`,
    );
    for (const w of summary.workers) {
      console.log(`blocks with ${w.workers} parse worker(s): ${w.rowsPerSec.toLocaleString('en-US')} rows/s = ${w.gunzipRatio} × plain gunzip`);
    }
    console.log(
      `per CPU-second (less sensitive to other load; load average was ${summary.loadAverage} on ${summary.cpus} cores): ` +
        `${summary.gunzipRatioCpu} × plain gunzip`,
    );
    if (peers) printPeers(peers);
  }
}

function printPeers(p: PeerSummary): void {
  console.log(`\npeers on ${p.folder} (${p.compressedMB} MB compressed, ${p.rows.toLocaleString('en-US')} rows), best of the rounds:`);
  for (const [tool, b] of Object.entries(p.best)) {
    console.log(`${tool.padEnd(14)}${b.seconds.toFixed(2).padStart(9)} s${b.rowsPerSec.toLocaleString('en-US').padStart(13)} rows/s`);
  }
  for (const [tool, r] of Object.entries(p.inspectRatio)) console.log(`inspect / ${tool}: ${r}×`);
  for (const [tool, why] of Object.entries(p.missing)) console.log(`${tool} did not run: ${why}`);
}

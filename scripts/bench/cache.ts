// npm run bench -- cache [--json] [--archive PATH] [--sessions N] [--stages a,b,…]
//
// The binary session cache and the columnar reader, on a synthetic archive of ≥ 500 MB compressed (generated
// once into .cache/bench/pipeline-<N>/, shared with the pipeline bench), each figure beside its baseline from the
// same run. Every stage runs in its own child process, one after another, so its peak RSS is its own:
//   gunzip           file → zlib → null sink: the ceiling of any first pass
//   sessions         readSessions parsing on the reading thread (workers: 0)
//   parallel         readSessions with parse workers, Session objects made on the main thread
//   parallel-blocks  the session blocks only (no Session objects): what the cache build consumes
//   parallel-blocks@N  the same with N parse workers (default stages: N = cores)
// Parse workers for parallel, parallel-blocks and build: defaultParseWorkers() unless @N says otherwise.
//   build            buildCache: workers parse, main thread assembles blocks and writes shards
//   plain-read       sequential read of the shard files' bytes (the ceiling of a cached epoch)
//   cached-blocks    readCachedBlocks, every row's columns touched (the fast path for the encoder)
//   cached-sessions  readCachedSessions: Session objects, as readSessions yields them
//   feed             one training epoch of batches from the cache, shuffled, encoded and padded exactly as `train`
//                    receives them (trainBatches with lstm-synth's settings on this archive), on the consuming thread
//   feed@thread      the same built on the trainer's batch thread (as train does with more than one gradient thread)
//   feed-javascript  the feed on the consuming thread with the JavaScript encoder (the fallback where the native
//                    addon is not built): the baseline of the native encoder's figure, from the same run
// (`--stages feed` runs all three.) The feed stages build the cache first when it is not there, outside their timing,
// and each also times the epoch after its own (nextEpochSessionsPerSec: the rate of a run's later epochs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildCache, openCache, readCachedBlocks, readCachedSessions, type SessionBlock } from '../../src/data/cache/cache.ts';
import { readLogBlocks } from '../../src/data/read/blockReader.ts';
import { defaultParseWorkers } from '../../src/data/read/parsePool.ts';
import { readSessions } from '../../src/data/read/logs.ts';
import { newReadCounts } from '../../src/data/read/readOptions.ts';
import { loadTrackTable } from '../../src/data/read/tracks.ts';
import { childArgv, gunzipToNull, isChild, MB, runChild, startStage, synthArchive, type StageCost } from './common.ts';

export interface CacheBenchArgs {
  json: boolean;
  archive?: string;
  tracks?: string;
  sessions?: number;
  stages?: string;
}

interface StageResult extends StageCost {
  stage: string;
  /** Compressed archive bytes for the first-pass stages, shard bytes for the cached ones. */
  bytes: number;
  /** The feed stages' batch encoder (data/batch/nativeEncoder.ts). */
  encoder?: string;
  /** The feed stages: sessions/s of the epoch after the timed one, in the same process (the heap and JIT warm). */
  nextEpochSessionsPerSec?: number;
  rows: number;
  sessions: number;
}

async function runStage(stageName: string, archive: string, tracksPath: string, cacheDir: string): Promise<StageResult> {
  if (stageName.startsWith('feed')) return feedStage(stageName, archive, tracksPath, cacheDir);
  // "name@N": the same stage with N parse workers (default: defaultParseWorkers())
  const [stage, workersText] = stageName.split('@');
  const workers = workersText ? Number(workersText) : defaultParseWorkers();
  const tracks = ['build', 'cached-blocks', 'cached-sessions'].includes(stage) ? await loadTrackTable(tracksPath) : null;
  const cost = startStage();
  let rows = 0;
  let sessions = 0;
  let bytes = statSync(archive).size;
  if (stage === 'gunzip') {
    await gunzipToNull(archive);
  } else if (stage === 'sessions' || stage === 'parallel') {
    const counts = newReadCounts();
    const read = readSessions(archive, { counts, workers: stage === 'sessions' ? 0 : workers });
    for await (const s of read) {
      sessions++;
      rows += s.rows.length;
    }
  } else if (stage === 'parallel-blocks') {
    for await (const item of readLogBlocks(archive, { workers })) {
      if (item.kind !== 'block') continue;
      sessions += item.block.ids.length;
      rows += item.block.trackRow.length;
    }
  } else if (stage === 'build') {
    await rm(cacheDir, { recursive: true, force: true });
    const m = await buildCache(cacheDir, archive, tracks!, { tracksPath, log: () => {}, workers });
    sessions = m.sessions;
    rows = m.rows;
  } else {
    const manifest = await openCache(cacheDir, archive, tracksPath, { log: (s) => console.error(s) });
    if (!manifest) throw new Error('no usable cache: run the build stage first');
    bytes = manifest.bytes;
    if (stage === 'plain-read') {
      const buf = Buffer.allocUnsafeSlow(4 * 1024 * 1024);
      for (const shard of manifest.shards) {
        const h = await open(join(cacheDir, shard.file), 'r');
        let at = 0;
        for (;;) {
          const { bytesRead } = await h.read(buf, 0, buf.length, at);
          if (bytesRead === 0) break;
          at += bytesRead;
        }
        await h.close();
      }
      sessions = manifest.sessions;
      rows = manifest.rows;
    } else if (stage === 'cached-blocks') {
      let check = 0;
      for await (const b of readCachedBlocks(cacheDir, manifest, tracks!)) {
        sessions += b.ids.length;
        rows += b.trackRow.length;
        check ^= touchEveryRow(b);
      }
      if (check === 0.5) console.error(check); // keeps the work observable
    } else if (stage === 'cached-sessions') {
      for await (const s of readCachedSessions(cacheDir, manifest, tracks!)) {
        sessions++;
        rows += s.rows.length;
      }
    } else {
      throw new Error(`unknown stage ${stage}`);
    }
  }
  return { stage: stageName, ...cost(), bytes, rows, sessions };
}

/**
 * One epoch of training batches from the cache, timed from the first batch asked for to the last received; then the
 * next epoch, timed alone: a first epoch pays once for a heap growing to its size (~100 MB of fresh pages here).
 */
async function feedStage(stage: string, archive: string, tracksPath: string, cacheDir: string): Promise<StageResult> {
  const { loadConfig } = await import('../../src/config/load.ts');
  const { loadDataContext } = await import('../../src/data/batch/batches.ts');
  const { BatchThread, trainingFeed } = await import('../../src/train/workers/batchThread.ts');
  // Every day of the archive, its sessions split by hash as a run without day lists does.
  const config = loadConfig('lstm-synth', {
    data: { logs: archive, tracks: tracksPath, cache: cacheDir, synth: { sessions: 0 }, split: 'session-hash', trainDays: [], valDays: [], testDays: [] },
  });
  const loaded = await loadDataContext(config, { log: (line) => console.error(line) });
  const ctx = stage === 'feed-javascript' ? { ...loaded, encoder: 'javascript' as const } : loaded;
  const thread = stage === 'feed@thread' ? new BatchThread() : null;
  const opts = { epoch: 1, seed: config.train.seed, view: config.task === 'challenge' ? ('challenge' as const) : ('per-position' as const) };
  // The thread loads its own context (track table, cache manifest) once per run, as in training: not timed.
  if (thread) for await (const _ of thread.batches(ctx, { ...opts, epoch: 0 })) break;
  // As the trainer takes them (its own feed): each batch's buffer is reused once the next is asked for.
  const feed = trainingFeed(ctx, thread);
  const epoch = async (n: number) => {
    const cost = startStage();
    let sessions = 0;
    let rows = 0;
    for await (const batch of feed({ ...opts, epoch: n })) {
      sessions += batch.size;
      for (let b = 0; b < batch.size; b++) rows += Math.min(batch.lengths[b], batch.seqLen);
    }
    return { ...cost(), rows, sessions };
  };
  const first = await epoch(1);
  const next = await epoch(2);
  await thread?.dispose();
  return { stage, ...first, bytes: ctx.source.manifest?.bytes ?? 0, encoder: ctx.encoder, nextEpochSessionsPerSec: Math.round(next.sessions / next.seconds) };
}

/** Reads every column of every row, as an encoder would (integer math in locals: no number boxing). */
function touchEveryRow(b: SessionBlock): number {
  let h = 0;
  const R = b.trackRow.length;
  for (let i = 0; i < R; i++) {
    h = (h + b.trackRow[i] + b.flags[i] + b.categories[i] + b.date[i] + b.seekFwd[i] + b.seekBack[i] + b.position[i] + b.hour[i]) | 0;
  }
  return h;
}

function child(stage: string, archive: string, tracksPath: string, cacheDir: string): StageResult {
  return runChild<StageResult>(fileURLToPath(import.meta.url), stage, [archive, tracksPath, cacheDir]);
}

/** The largest archive already under .cache/bench/ (made by either bench), or a fresh one of `sessions`. */
async function ensureArchive(args: CacheBenchArgs): Promise<{ logs: string; tracks: string }> {
  const given = args.archive;
  if (given) return { logs: given, tracks: args.tracks ?? join(given, '..', 'track_features.tar.gz') };
  const wanted = args.sessions ?? 1_000_000;
  const root = join('.cache', 'bench');
  const existing = existsSync(root)
    ? readdirSync(root)
        .map((d) => join(root, d, 'training_set.tar.gz'))
        .filter((p) => existsSync(p) && existsSync(join(p, '..', 'track_features.tar.gz')))
        .sort((a, b) => statSync(b).size - statSync(a).size)
    : [];
  if (args.sessions === undefined && existing.length && statSync(existing[0]).size >= 500 * MB) {
    return { logs: existing[0], tracks: join(existing[0], '..', 'track_features.tar.gz') };
  }
  const logs = await synthArchive(wanted);
  return { logs, tracks: join(logs, '..', 'track_features.tar.gz') };
}

const ALL = ['gunzip', 'sessions', 'parallel', 'parallel-blocks', 'build', 'plain-read', 'cached-blocks', 'cached-sessions', 'feed'];
// Also the blocks with one worker (the default uses one per core).
if (defaultParseWorkers() > 1) ALL.splice(4, 0, 'parallel-blocks@1');

if (isChild(import.meta.url)) {
  const [stage, archive, tracksPath, cacheDir] = childArgv();
  console.log(JSON.stringify(await runStage(stage, archive, tracksPath, cacheDir)));
  process.exit(0); // idle parse workers are unref'd, but say so plainly
}

export async function runCacheBench(args: CacheBenchArgs): Promise<void> {
  const { logs, tracks } = await ensureArchive(args);
  const cacheDir = join(logs, '..', 'session-cache');
  const sizeMB = statSync(logs).size / MB;
  if (sizeMB < 500) console.error(`warning: the archive is only ${sizeMB.toFixed(0)} MB (goal ≥ 500 MB)`);
  const stages = (args.stages?.split(',') ?? ALL).flatMap((s) => (s === 'feed' ? ['feed', 'feed@thread', 'feed-javascript'] : [s]));
  const results: StageResult[] = [];
  for (const stage of stages) {
    console.error(`  running ${stage}…`);
    results.push(child(stage, logs, tracks, cacheDir));
  }
  const by = (stage: string) => results.find((r) => r.stage === stage);
  const mbps = (r: StageResult | undefined) => (r ? r.bytes / MB / r.seconds : NaN);
  const perSec = (r: StageResult | undefined) => (r ? r.sessions / r.seconds : NaN);
  const ratio = (a: number, b: number) => +(a / b).toFixed(3);
  const gunzip = mbps(by('gunzip'));
  const summary = {
    archive: logs,
    archiveMB: +sizeMB.toFixed(1),
    cacheMB: by('plain-read') ? +(by('plain-read')!.bytes / MB).toFixed(1) : undefined,
    workers: defaultParseWorkers(),
    loadAverage: +loadavg()[0].toFixed(2),
    cpus: cpus().length,
    gunzipMBPerSec: +gunzip.toFixed(1),
    serialSessionsPerSec: Math.round(perSec(by('sessions'))),
    parallelSessionsPerSec: Math.round(perSec(by('parallel'))),
    parallelVsSerial: ratio(perSec(by('parallel')), perSec(by('sessions'))),
    /** First pass through the compressed archive, as a fraction of plain gunzip's MB/s (goal ≥ 0.9). */
    gunzipRatio: {
      sessions: ratio(mbps(by('sessions')), gunzip),
      parallel: ratio(mbps(by('parallel')), gunzip),
      parallelBlocks: ratio(mbps(by('parallel-blocks')), gunzip),
      'parallelBlocks@1': ratio(mbps(by('parallel-blocks@1')), gunzip),
      build: ratio(mbps(by('build')), gunzip),
    },
    cachedBlocksSessionsPerSec: Math.round(perSec(by('cached-blocks'))),
    cachedSessionsPerSec: Math.round(perSec(by('cached-sessions'))),
    plainReadMBPerSec: +mbps(by('plain-read')).toFixed(1),
    /** Cached read time over plain sequential read time of the same shard bytes (1 = as fast as reading). */
    cachedBlocksVsPlainRead: ratio(mbps(by('cached-blocks')), mbps(by('plain-read'))),
    cachedSessionsVsPlainRead: ratio(mbps(by('cached-sessions')), mbps(by('plain-read'))),
    cachedSessionsVsSerialReader: ratio(perSec(by('cached-sessions')), perSec(by('sessions'))),
    peakRssMB: Object.fromEntries(results.map((r) => [r.stage, Math.round(r.peakRssMB)])),
    /** Sessions/s of training batches from the cache (the feed stages; goal ≥ 300 k on one thread). */
    feedSessionsPerSec: by('feed') ? Math.round(perSec(by('feed'))) : undefined,
    /** The feed on one thread over the same feed with the JavaScript encoder. */
    feedVsJavascript: by('feed') && by('feed-javascript') ? ratio(perSec(by('feed')), perSec(by('feed-javascript'))) : undefined,
    stages: results.map((r) => ({
      ...(r.stage === 'feed' || r.stage === 'feed@thread'
        ? { stage: 'feed', threads: r.stage === 'feed' ? 1 : 2, builtOn: r.stage === 'feed' ? 'consuming thread' : 'batch thread' }
        : { stage: r.stage }),
      ...(r.encoder ? { encoder: r.encoder } : {}),
      ...(r.nextEpochSessionsPerSec ? { nextEpochSessionsPerSec: r.nextEpochSessionsPerSec } : {}),
      seconds: +r.seconds.toFixed(2),
      cpuSeconds: +r.cpuSeconds.toFixed(2),
      MBPerSec: +mbps(r).toFixed(1),
      sessionsPerSec: r.sessions ? Math.round(r.sessions / r.seconds) : undefined,
      rowsPerSec: r.rows ? Math.round(r.rows / r.seconds) : undefined,
      peakRssMB: Math.round(r.peakRssMB),
    })),
  };
  if (args.json) console.log(JSON.stringify(summary));
  else {
    console.log(`cache bench on ${logs} (${summary.archiveMB} MB compressed; load average ${summary.loadAverage} on ${summary.cpus} cores)\n`);
    console.log(`${'stage'.padEnd(17)}${'seconds'.padStart(9)}${'cpu s'.padStart(8)}${'MB/s'.padStart(9)}${'sessions/s'.padStart(13)}${'rows/s'.padStart(13)}${'peak RSS'.padStart(10)}`);
    for (const s of summary.stages) {
      console.log(
        `${s.stage.padEnd(17)}${s.seconds.toFixed(2).padStart(9)}${s.cpuSeconds.toFixed(2).padStart(8)}${s.MBPerSec.toFixed(1).padStart(9)}` +
          `${(s.sessionsPerSec?.toLocaleString('en-US') ?? '-').padStart(13)}${(s.rowsPerSec?.toLocaleString('en-US') ?? '-').padStart(13)}${`${s.peakRssMB} MB`.padStart(10)}`,
      );
    }
    console.log('\n(MB/s: compressed archive bytes for first-pass stages, shard bytes for plain-read and cached-*)');
    console.log(`first pass vs plain gunzip (${summary.gunzipMBPerSec} MB/s):`, summary.gunzipRatio);
    console.log(`parallel reader vs readSessions: ${summary.parallelVsSerial} ×`);
    if (summary.feedVsJavascript !== undefined) console.log(`feed, native encoder vs the JavaScript one: ${summary.feedVsJavascript} ×`);
    console.log(
      `cached epoch: ${summary.cachedBlocksSessionsPerSec.toLocaleString('en-US')} sessions/s as blocks (${summary.cachedBlocksVsPlainRead} × plain read of the shards), ` +
        `${summary.cachedSessionsPerSec.toLocaleString('en-US')} sessions/s as Session objects (${summary.cachedSessionsVsSerialReader} × readSessions)`,
    );
  }
}

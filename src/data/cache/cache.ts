// The binary session cache: the first pass parses the CSV logs once into compact shards (one per input log file);
// every later epoch reads the shards instead, at memory speed. A cache whose sources, options or format no longer
// match is reported and rebuilt, never used; a shard whose bytes no longer match their CRC-32C stops the read.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { withNote } from '../../util/failures.ts';
import { withManifestCrc } from '../../util/manifestCrc.ts';
import { mergeUnknownCategories } from '../format/unknownCategories.ts';
import { tellOnce } from '../../util/tellOnce.ts';
import type { ReadLogOptions } from '../read/readOptions.ts';
import type { FeatureStats, Session, TrackTable } from '../format/types.ts';
import { sessionsOfBlocks, type SessionBlock } from '../format/block.ts';
import { readLogBlocks, type BlockReadOptions } from '../read/blockReader.ts';
import {
  CACHE_FORMAT_VERSION,
  MANIFEST_NAME,
  cacheOptions,
  manifestShapeProblem,
  optionsChange,
  type CacheManifest,
  type ShardInfo,
} from './manifest.ts';
import { ShardWriter, readShardBlocks } from './shardFile.ts';
import { writeCachePartial } from './partialCache.ts';
import { partialFileName, partialKinds } from '../passes/partials.ts';
import { shardLabel } from '../source/shard.ts';
import { fingerprint, fingerprintChange } from '../source/fingerprint.ts';
import type { SpareBuffers } from '../../util/spareBuffers.ts';

export type { CacheManifest, ShardInfo } from './manifest.ts';
export type { SessionBlock } from '../format/block.ts';

export interface BuildCacheOptions extends BlockReadOptions {
  /** The path the track table was loaded from (its size and mtime go into the manifest). */
  tracksPath: string;
  log?: (s: string) => void;
  /** Feature statistics to keep in the manifest (e.g. computed in the same prepare run). */
  stats?: FeatureStats;
}

const shardName = (i: number) => `shard-${String(i).padStart(5, '0')}.skb`;

/**
 * Parse every log file of `logs` once and write one shard per file into `dir`, then the manifest (last, atomically).
 * All days are cached whatever `opts.days` says, so one cache serves every split; rows are kept, not encoded inputs.
 */
export async function buildCache(dir: string, logs: string, tracks: TrackTable, opts: BuildCacheOptions): Promise<CacheManifest> {
  const log = opts.log ?? ((s: string) => console.error(s));
  await mkdir(dir, { recursive: true });
  // The old manifest goes first: a build that dies half-way must not leave a manifest describing other shards.
  // A shard's worker removes the merged manifest too (it no longer describes the shard files) and its own partial.
  await unlink(join(dir, MANIFEST_NAME)).catch(() => {});
  if (opts.shard) await unlink(join(dir, partialFileName('cache', opts.shard))).catch(() => {});
  const [logsId, tracksId] = await Promise.all([fingerprint(logs), fingerprint(opts.tracksPath)]);
  const readOpts: ReadLogOptions = { dateFormat: opts.dateFormat, badDates: opts.badDates, dateRange: opts.dateRange, unknownCategories: opts.unknownCategories, onProgress: opts.onProgress, onNotice: opts.onNotice, counts: opts.counts, shard: opts.shard };
  const items = readLogBlocks(logs, { ...readOpts, tracks, unknownTracks: 'zeros', workers: opts.workers, rangeBytes: opts.rangeBytes, inlineBytes: opts.inlineBytes });
  const shards: ShardInfo[] = [];
  let writer: ShardWriter | null = null;
  let info: ShardInfo | null = null;
  let droppedRows = 0;
  try {
    for await (const item of items) {
      if (item.kind === 'end') {
        droppedRows = item.counts.droppedRows;
        if (opts.counts) Object.assign(opts.counts, item.counts);
        continue;
      }
      if (item.kind === 'entryEnd') continue;
      if (item.kind === 'entry') {
        if (writer && info) await closeShard(writer, info, shards);
        // Shard I's k-th log file is file I + k·N of the source (shard.ts): named as one unsharded build names it.
        const fileIndex = opts.shard ? opts.shard.index + shards.length * opts.shard.of : shards.length;
        info = { file: shardName(fileIndex), entry: item.path, label: item.label, sessions: 0, rows: 0, bytes: 0, crc32c: 0, days: {} };
        writer = new ShardWriter(join(dir, info.file));
        continue;
      }
      const block = item.block;
      for (let s = 0; s < block.ids.length; s++) {
        const day = block.days[block.sessionDay[s]];
        info!.days[day] = (info!.days[day] ?? 0) + 1;
      }
      await writer!.write(block);
    }
    if (writer && info) await closeShard(writer, info, shards);
    writer = null;
  } catch (e) {
    throw withNote(e, `the cache in ${dir} is incomplete (no manifest): the next run builds it again`);
  } finally {
    await writer?.abort();
  }
  const manifest: CacheManifest = {
    format: 'skiptrain-session-cache',
    version: CACHE_FORMAT_VERSION,
    logs: logsId,
    tracks: { ...tracksId, count: tracks.ids.length },
    options: cacheOptions(opts),
    shards,
    sessions: shards.reduce((n, s) => n + s.sessions, 0),
    rows: shards.reduce((n, s) => n + s.rows, 0),
    droppedRows,
    bytes: shards.reduce((n, s) => n + s.bytes, 0),
    created: new Date().toISOString(),
    ...(opts.stats ? { stats: opts.stats } : {}),
    ...(opts.counts ? { unknownCategories: opts.counts.unknownCategories } : {}),
  };
  if (opts.shard) {
    // Other workers write into the same folder: leave their files alone; `skiptrain merge` writes the manifest.
    await writeCachePartial(dir, manifest, opts.shard);
    log(`cache shard ${shardLabel(opts.shard)}: ${manifest.sessions} sessions, ${manifest.rows} rows in ${shards.length} shard file(s) in ${dir}`);
    return manifest;
  }
  await writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(withManifestCrc(manifest), null, 1));
  await removeStrayShards(dir, new Set(shards.map((s) => s.file)));
  log(`cache: ${manifest.sessions} sessions, ${manifest.rows} rows in ${shards.length} shard(s), ${(manifest.bytes / 1e6).toFixed(1)} MB in ${dir}`);
  return manifest;
}

async function closeShard(writer: ShardWriter, info: ShardInfo, shards: ShardInfo[]): Promise<void> {
  await writer.finish();
  info.sessions = writer.sessions;
  info.rows = writer.rows;
  info.bytes = writer.bytes;
  info.crc32c = writer.crc32c;
  shards.push(info);
}

async function removeStrayShards(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    if ((name.endsWith('.skb') || name.endsWith('.tmp')) && name.startsWith('shard-') && !keep.has(name)) {
      await unlink(join(dir, name)).catch(() => {});
    }
  }
}

/**
 * The manifest of a cache in `dir` that matches these logs, track table and options; null (with the reason
 * logged) when there is none, or it is stale, foreign, from another format version, or a shard is missing/truncated.
 * A cache from before shard CRCs is used, unchecked, and `log` hears so once.
 */
export async function openCache(
  dir: string,
  logs: string,
  tracksPath: string,
  opts: ReadLogOptions & { log?: (s: string) => void } = {},
): Promise<CacheManifest | null> {
  const log = opts.log ?? ((s: string) => console.error(s));
  const reason = await staleReason(dir, logs, tracksPath, opts);
  if (typeof reason === 'string') {
    log(`cache ${dir}: ${reason}`);
    return null;
  }
  if (reason.shards.some((s) => s.crc32c === undefined)) {
    tellOnce(
      log,
      'unchecked cache',
      `note: cache ${dir} is of format version ${reason.version} (built before shards carried CRC-32C checksums): its shards ` +
        'are read without verification; delete it to have it rebuilt with them (said once per run)',
    );
  }
  return reason;
}

async function staleReason(dir: string, logs: string, tracksPath: string, opts: ReadLogOptions): Promise<CacheManifest | string> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_NAME), 'utf8');
  } catch {
    return withoutManifest(dir);
  }
  let m: CacheManifest;
  try {
    m = JSON.parse(text) as CacheManifest;
  } catch {
    return 'its manifest is not valid JSON';
  }
  const shape = manifestShapeProblem(m);
  if (shape) return shape;
  let logsNow, tracksNow;
  try {
    [logsNow, tracksNow] = await Promise.all([fingerprint(logs), fingerprint(tracksPath)]);
  } catch (e) {
    return `cannot read the sources (${(e as Error).message})`;
  }
  const change =
    fingerprintChange('logs', m.logs, logsNow) ??
    fingerprintChange('tracks', m.tracks, tracksNow) ??
    optionsChange(m.options, cacheOptions(opts));
  if (change) return `stale: ${change}`;
  for (const shard of m.shards) {
    let size = -1;
    try {
      size = (await stat(join(dir, shard.file))).size;
    } catch {
      return `shard ${shard.file} is missing`;
    }
    if (size !== shard.bytes) return `shard ${shard.file} has ${size} bytes, the manifest says ${shard.bytes} (truncated or overwritten)`;
  }
  return m;
}

/** Why a folder has no usable cache when it has no manifest: none yet, or a build that stopped part-way (killed). */
async function withoutManifest(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if ((await partialKinds(dir)).includes('cache')) return 'no manifest yet (the partial results of a sharded build are here)';
  const shards = names.filter((n) => n.startsWith('shard-') && (n.endsWith('.skb') || n.endsWith('.tmp'))).length;
  if (shards === 0) return 'no cache there yet';
  return `an earlier build did not finish (${shards} shard file${shards > 1 ? 's' : ''} but no manifest: it was stopped part-way)`;
}

/** The usable cache in `dir`, building it first (with a message) when there is none or it is stale. */
export async function ensureCache(dir: string, logs: string, tracks: TrackTable, opts: BuildCacheOptions): Promise<CacheManifest> {
  const log = opts.log ?? ((s: string) => console.error(s));
  if (opts.shard) return buildCache(dir, logs, tracks, { ...opts, log }); // a worker always (re)builds its own files
  const found = await openCache(dir, logs, opts.tracksPath, { ...opts, log });
  if (found) {
    // What the build read stays what this run reads: its unknown categories are this run's to report.
    if (opts.counts && found.unknownCategories) mergeUnknownCategories(opts.counts.unknownCategories, found.unknownCategories);
    return found;
  }
  if (!existsSync(join(dir, MANIFEST_NAME)) && (await partialKinds(dir)).includes('cache')) {
    // Hours of sharded work are one command from done: never overwrite them with a build on this one machine.
    throw new DataError(`it holds the partial results of a sharded build (partial-cache-*.json) but no manifest: run skiptrain merge ${dir}`, dir);
  }
  log(`cache ${dir}: building it from ${logs}`);
  return buildCache(dir, logs, tracks, { ...opts, log });
}

function checkTracks(dir: string, manifest: CacheManifest, tracks: TrackTable): void {
  if (manifest.tracks.count !== tracks.ids.length) {
    throw new DataError(
      `the cache was built against a track table of ${manifest.tracks.count} tracks, this one has ${tracks.ids.length} (rebuild the cache)`,
      dir,
    );
  }
}

/**
 * The fast path: cached sessions as columnar blocks (zero-copy views of the shard bytes), in file order. Blocks
 * may hold sessions of other days: filter with `block.days[block.sessionDay[s]]`; shards without any wanted day
 * are not read at all.
 */
export async function* readCachedBlocks(
  dir: string,
  manifest: CacheManifest,
  tracks: TrackTable,
  opts: { days?: ReadonlySet<string>; spare?: SpareBuffers } = {},
): AsyncGenerator<SessionBlock> {
  checkTracks(dir, manifest, tracks);
  for (const shard of manifest.shards) {
    if (opts.days && !Object.keys(shard.days).some((d) => opts.days!.has(d))) continue;
    yield* readShardBlocks(join(dir, shard.file), shard.crc32c, opts.spare);
  }
}

/** Cached sessions, equal to what readSessions yields for the same logs and options (same order, same fields). */
export function readCachedSessions(
  dir: string,
  manifest: CacheManifest,
  tracks: TrackTable,
  opts: { days?: ReadonlySet<string> } = {},
): AsyncGenerator<Session> {
  return sessionsOfBlocks(readCachedBlocks(dir, manifest, tracks, opts), tracks, opts.days);
}

/** Keep feature statistics computed after the build (e.g. from the cache itself) in the manifest (atomic rewrite). */
export async function attachStats(dir: string, manifest: CacheManifest, stats: FeatureStats): Promise<CacheManifest> {
  const updated: CacheManifest = { ...manifest, stats };
  await writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(withManifestCrc(updated), null, 1));
  return updated;
}

// A cache built by N workers (`prepare --cache C --shard I/N`): each writes its shard files (named as one build would
// name them) and a partial manifest into C; `skiptrain merge C` checks that every worker's part is there, from one
// source and option set, and writes the manifest one build would have written. Readers then see one cache.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.ts';
import { mergeUnknownCategories, newUnknownCategories } from '../format/unknownCategories.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { withManifestCrc } from '../../util/manifestCrc.ts';
import { readPartials, writePartial, type PartialStamp } from '../passes/partials.ts';
import type { ShardSpec } from '../source/shard.ts';
import { finishFeatureStats, type FeatureStatsPartial } from '../passes/stats.ts';
import { mergeFeatureStats } from '../passes/statsMerge.ts';
import { MANIFEST_NAME, type CacheManifest } from './manifest.ts';

export interface CachePartial {
  manifest: CacheManifest;
  /** The worker's feature-statistics partial (prepare computes it from its own shard files). */
  stats?: FeatureStatsPartial;
}

function cacheStamp(manifest: CacheManifest, shard: ShardSpec): PartialStamp {
  return { kind: 'cache', logs: manifest.logs, tracks: { path: manifest.tracks.path, files: manifest.tracks.files }, options: { ...manifest.options, trackCount: manifest.tracks.count }, shard: { ...shard } };
}

export async function writeCachePartial(dir: string, manifest: CacheManifest, shard: ShardSpec, stats?: FeatureStatsPartial): Promise<void> {
  await writePartial<CachePartial>(dir, cacheStamp(manifest, shard), { manifest, ...(stats ? { stats } : {}) });
}

/** Merges the partial manifests in `dir` into its manifest.json (atomically) and returns it. */
export async function mergeCachePartials(dir: string): Promise<CacheManifest> {
  const parts = await readPartials<CachePartial>(dir, 'cache');
  const shards = parts.flatMap((p) => p.result.manifest.shards).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (let i = 1; i < shards.length; i++) {
    if (shards[i].file === shards[i - 1].file) throw new DataError(`two partial manifests claim shard file ${shards[i].file}`, dir);
  }
  for (const s of shards) {
    const size = await stat(join(dir, s.file)).then((x) => x.size, () => -1);
    if (size < 0) throw new DataError(`shard file ${s.file} (of ${s.label}) is missing`, dir);
    if (size !== s.bytes) throw new DataError(`shard file ${s.file} has ${size} bytes, its partial manifest says ${s.bytes} (truncated or overwritten)`, dir);
  }
  const withStats = parts.filter((p) => p.result.stats);
  if (withStats.length > 0 && withStats.length < parts.length) {
    const without = parts.find((p) => !p.result.stats)!;
    throw new DataError('this partial has no feature statistics but others do (were they made by different commands?)', without.file);
  }
  const first = parts[0].result.manifest;
  const sum = (f: (m: CacheManifest) => number) => parts.reduce((n, p) => n + f(p.result.manifest), 0);
  const manifest: CacheManifest = {
    format: first.format,
    version: first.version,
    logs: first.logs,
    tracks: first.tracks,
    options: first.options,
    shards,
    sessions: sum((m) => m.sessions),
    rows: sum((m) => m.rows),
    droppedRows: sum((m) => m.droppedRows),
    bytes: sum((m) => m.bytes),
    created: new Date().toISOString(),
    ...(withStats.length > 0 ? { stats: finishFeatureStats(mergeFeatureStats(parts.map((p) => p.result.stats!))) } : {}),
    unknownCategories: parts.reduce((all, p) => {
      if (p.result.manifest.unknownCategories) mergeUnknownCategories(all, p.result.manifest.unknownCategories);
      return all;
    }, newUnknownCategories()),
  };
  await writeFileAtomic(join(dir, MANIFEST_NAME), JSON.stringify(withManifestCrc(manifest), null, 1));
  return manifest;
}

// One place that decides where a run's sessions come from: the binary cache when `data.cache` names a folder
// (built on first use, rebuilt when stale), else the CSV logs (parsed on worker threads). Either way they come as
// session blocks (columns), which the batch encoder reads directly; `sessionsOfBlocks` (block.ts) gives Session
// objects where a pass wants them.
import type { DataSettings } from '../format/dataConfig.ts';
import type { ReadCounts, ReadLogOptions } from '../read/readOptions.ts';
import { blocksOf, readLogBlocks } from '../read/blockReader.ts';
import type { TrackTable } from '../format/types.ts';
import type { SessionBlock } from '../format/block.ts';
import { ensureCache, readCachedBlocks, type CacheManifest } from './cache.ts';
import type { SpareBuffers } from '../../util/spareBuffers.ts';

/**
 * Blocks of sessions of some days (all when `days` is undefined), in file order; a block may also hold sessions
 * of other days, so a consumer keeps the sessions whose day it wants. Track rows refer to the
 * run's track table. `spare`: buffers the consumer gave back, which cache blocks are read into (a consumer that
 * gives a block's buffer back must read that block no more).
 */
export type SessionSource = ((days?: ReadonlySet<string>, spare?: SpareBuffers) => AsyncIterable<SessionBlock>) & { manifest?: CacheManifest };

/**
 * Session blocks of `config.data.logs` with the config's reader options. With a cache folder configured, the cache
 * is checked (and built or rebuilt, with a message) once, here; a build's totals go into `counts`.
 */
export async function openSessionSource(
  config: Pick<DataSettings, 'data'>,
  tracks: TrackTable,
  log: (s: string) => void = (s) => console.error(s),
  counts?: ReadCounts,
): Promise<SessionSource> {
  const d = config.data;
  const readOpts: ReadLogOptions = { dateFormat: d.dateFormat, badDates: d.badDates, unknownCategories: d.unknownCategories };
  if (!d.cache) return (days) => logBlocks(d.logs, { ...readOpts, days, tracks });
  const manifest = await ensureCache(d.cache, d.logs, tracks, { ...readOpts, tracksPath: d.tracks, log, counts });
  const source: SessionSource = (days, spare) => readCachedBlocks(d.cache, manifest, tracks, { days, spare });
  source.manifest = manifest;
  return source;
}

/**
 * The blocks of a read of the CSV logs, track ids resolved against `opts.tracks`. A track missing from the table
 * stays an id in the block: data.unknownTracks is applied once, where batches are encoded (as for the cache).
 */
export function logBlocks(logs: string, opts: ReadLogOptions): AsyncIterable<SessionBlock> {
  return blocksOf(readLogBlocks(logs, { ...opts, unknownTracks: 'zeros' }));
}

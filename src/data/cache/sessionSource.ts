// One place that decides where a run's sessions come from: the binary cache when `data.cache` names a folder
// (built on first use, rebuilt when stale), else the CSV logs (parsed on worker threads).
import type { DataSettings } from '../dataConfig.ts';
import type { ReadCounts, ReadLogOptions } from '../logs.ts';
import { readSessions } from '../logs.ts';
import type { Session, TrackTable } from '../types.ts';
import { ensureCache, readCachedSessions, type CacheManifest } from './cache.ts';

export type SessionSource = (days?: ReadonlySet<string>) => AsyncIterable<Session>;

/**
 * Sessions of `config.data.logs` with the config's reader options, optionally restricted to some days. With a
 * cache folder configured, the cache is checked (and built or rebuilt, with a message) once, here; a build's
 * totals go into `counts`.
 */
export async function openSessionSource(
  config: Pick<DataSettings, 'data'>,
  tracks: TrackTable,
  log: (s: string) => void = (s) => console.error(s),
  counts?: ReadCounts,
): Promise<SessionSource & { manifest?: CacheManifest }> {
  const d = config.data;
  const readOpts: ReadLogOptions = { dateFormat: d.dateFormat, badDates: d.badDates, unknownCategories: d.unknownCategories };
  if (!d.cache) return (days) => readSessions(d.logs, { ...readOpts, days });
  const manifest = await ensureCache(d.cache, d.logs, tracks, { ...readOpts, tracksPath: d.tracks, log, counts });
  const source: SessionSource & { manifest?: CacheManifest } = (days) => readCachedSessions(d.cache, manifest, tracks, { days });
  source.manifest = manifest;
  return source;
}

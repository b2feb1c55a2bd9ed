// The cache manifest: what a cache was built from (source files with size and mtime, the track table, the reader
// options that change parsing, the format version) and what it holds (one shard per input log file, with its size
// and CRC-32C). A cache is used only when all of it still matches; `staleReason` (cache.ts) says in words what does
// not. The manifest carries the CRC-32C of its own content too (util/manifestCrc.ts).
import type { FeatureStats } from '../format/types.ts';
import type { UnknownCategories } from '../format/unknownCategories.ts';
import type { ReadLogOptions } from '../read/readOptions.ts';
import { DEFAULT_DATE_RANGE } from '../format/dates.ts';
import { DATA_DEFAULTS } from '../format/dataConfig.ts';
import { type PathFingerprint } from '../source/fingerprint.ts';
import { manifestCrcMatches } from '../../util/manifestCrc.ts';

/**
 * Bump whenever the shard layout or the meaning of a stored field changes: older caches are then rebuilt.
 * 2: dateFormat auto reads each file's slash dates in one order (version 1 decided per value).
 * 3: the CRC-32C of every shard and of the manifest, checked on every read. The shards themselves did not change,
 *    so version 2 caches are still read, unchecked (UNCHECKED_CACHE_VERSION).
 */
export const CACHE_FORMAT_VERSION = 3;
export const UNCHECKED_CACHE_VERSION = 2;
export const MANIFEST_NAME = 'manifest.json';
const FORMAT_NAME = 'skiptrain-session-cache';

export interface CacheOptions {
  dateFormat: NonNullable<ReadLogOptions['dateFormat']>;
  badDates: NonNullable<ReadLogOptions['badDates']>;
  dateRange: [string, string];
  /** Absent in caches built before the setting: they read such values as "other". */
  unknownCategories?: NonNullable<ReadLogOptions['unknownCategories']>;
}

export interface ShardInfo {
  /** Shard file name inside the cache folder. */
  file: string;
  /** The input log file: entry path inside the source, and its label as used in messages. */
  entry: string;
  label: string;
  sessions: number;
  rows: number;
  bytes: number;
  /** CRC-32C of the shard file (absent in version 2). */
  crc32c?: number;
  /** Sessions per Session.day, so readers can skip whole shards. */
  days: Record<string, number>;
}

export interface CacheManifest {
  format: typeof FORMAT_NAME;
  version: number;
  logs: PathFingerprint;
  tracks: PathFingerprint & { count: number };
  options: CacheOptions;
  shards: ShardInfo[];
  sessions: number;
  rows: number;
  /** Rows dropped while parsing (badDates = skip-row). */
  droppedRows: number;
  bytes: number;
  created: string;
  stats?: FeatureStats;
  /** Values outside a categorical column's vocabulary the build read (absent in caches from before the count). */
  unknownCategories?: UnknownCategories;
  /** CRC-32C of this manifest's content (absent in version 2). */
  manifestCrc32c?: number;
}

export function cacheOptions(opts: ReadLogOptions): CacheOptions {
  return {
    dateFormat: opts.dateFormat ?? DATA_DEFAULTS.dateFormat,
    badDates: opts.badDates ?? DATA_DEFAULTS.badDates,
    dateRange: [...(opts.dateRange ?? DEFAULT_DATE_RANGE)] as [string, string],
    unknownCategories: opts.unknownCategories ?? DATA_DEFAULTS.unknownCategories,
  };
}

export function optionsChange(was: CacheOptions, now: CacheOptions): string | null {
  const before = { unknownCategories: DATA_DEFAULTS.unknownCategories, ...was };
  for (const key of ['dateFormat', 'badDates', 'dateRange', 'unknownCategories'] as const) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) return `reader option ${key} changed (${a} → ${b})`;
  }
  return null;
}

/** A file time a Date can hold (messages print it as one). */
const isTime = (v: unknown) => typeof v === 'number' && Math.abs(v) <= 8.64e15;

// The shape checks below guard version 2 manifests, which carry no CRC: a damaged one is rebuilt, not trusted.
function isFingerprint(f: unknown): f is PathFingerprint {
  const p = f as PathFingerprint | null;
  return typeof p?.path === 'string' && Array.isArray(p.files) && p.files.every((x) => typeof x?.path === 'string' && typeof x.size === 'number' && isTime(x.mtimeMs));
}

function isShardInfo(s: ShardInfo | null): boolean {
  return typeof s?.file === 'string' && typeof s.bytes === 'number' && typeof s.days === 'object' && s.days !== null;
}

/** Checks the parts of a parsed manifest that do not need the file system; a reason in words, or null. */
export function manifestShapeProblem(m: unknown): string | null {
  const o = m as Partial<CacheManifest> | null;
  if (!o || typeof o !== 'object' || o.format !== FORMAT_NAME) return 'its manifest is not a skiptrain cache manifest';
  if (o.version !== CACHE_FORMAT_VERSION && o.version !== UNCHECKED_CACHE_VERSION) {
    return `it has format version ${o.version}, this program writes version ${CACHE_FORMAT_VERSION}`;
  }
  // A manifest that holds a CRC is checked whatever its version says, so a damaged version number cannot skip it.
  const checked = o.version !== UNCHECKED_CACHE_VERSION || o.manifestCrc32c !== undefined;
  if (checked && !manifestCrcMatches(o)) return 'its manifest is corrupt (its CRC-32C does not match its content)';
  if (!Array.isArray(o.shards) || !isFingerprint(o.logs) || !isFingerprint(o.tracks) || !o.options) return 'its manifest is incomplete';
  if (typeof o.tracks.count !== 'number' || !o.shards.every(isShardInfo)) return 'its manifest is incomplete';
  if (o.version === CACHE_FORMAT_VERSION && o.shards.some((s) => typeof s.crc32c !== 'number')) return 'its manifest is incomplete';
  return null;
}

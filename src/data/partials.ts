// Partial results of sharded passes (`--shard I/N`): each worker writes one file into a shared folder, stamped with
// what it was computed from (the logs' and track table's identity, the options that change the result, its shard),
// so that `skiptrain merge` can check it holds every shard exactly once, all of the same source and options.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { fingerprint, fingerprintChange, type PathFingerprint } from './cache/manifest.ts';
import { shardLabel, type ShardSpec } from './shard.ts';

/** What a partial is of: its name in files and messages. */
export type PartialKind = 'stats' | 'cache' | 'inspect' | 'explore';

const FORMAT = 'skiptrain-partial';
/** 2: inspect and explore partials carry the unknown categorical values (unknownCategories.ts). */
const VERSION = 2;

export interface PartialStamp {
  kind: PartialKind;
  logs: PathFingerprint;
  tracks: PathFingerprint;
  /** Every option that changes the result (reader options, --days, …), compared as JSON. */
  options: Record<string, unknown>;
  shard: ShardSpec;
}

export interface PartialFile<T> {
  format: typeof FORMAT;
  version: number;
  stamp: PartialStamp;
  created: string;
  result: T;
}

export interface LoadedPartial<T> {
  file: string;
  stamp: PartialStamp;
  result: T;
}

export const partialFileName = (kind: PartialKind, shard: ShardSpec) => `partial-${kind}-${shard.index}-of-${shard.of}.json`;

/** The stamp of a worker's pass over `logs` (and `tracks`, '' when none) with these options. */
export async function partialStamp(kind: PartialKind, logs: string, tracks: string, options: Record<string, unknown>, shard: ShardSpec): Promise<PartialStamp> {
  const [logsId, tracksId] = await Promise.all([fingerprint(logs), fingerprint(tracks)]);
  // JSON round trip: undefined options vanish, so a stamp read back compares equal to one made here.
  return { kind, logs: logsId, tracks: tracksId, options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>, shard: { ...shard } };
}

export async function writePartial<T>(dir: string, stamp: PartialStamp, result: T): Promise<string> {
  const path = join(dir, partialFileName(stamp.kind, stamp.shard));
  const file: PartialFile<T> = { format: FORMAT, version: VERSION, stamp, created: new Date().toISOString(), result };
  await writeFileAtomic(path, JSON.stringify(file) + '\n');
  return path;
}

/** Kinds of partial found in `dir` (files named partial-KIND-*.json). */
export async function partialKinds(dir: string): Promise<PartialKind[]> {
  const kinds = new Set<PartialKind>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = /^partial-(stats|cache|inspect|explore)-.*\.json$/.exec(name);
    if (m) kinds.add(m[1] as PartialKind);
  }
  return [...kinds].sort();
}

/** Why stamp `b` cannot be merged with `a`, in words, or null. */
function stampMismatch(a: PartialStamp, b: PartialStamp): string | null {
  if (a.shard.of !== b.shard.of) return `it is shard ${shardLabel(b.shard)}, the others are of ${a.shard.of} shards (partials of different runs)`;
  const source = fingerprintChange('logs', a.logs, b.logs) ?? fingerprintChange('tracks', a.tracks, b.tracks);
  if (source) return `it comes from another source than the others: ${source}`;
  for (const key of new Set([...Object.keys(a.options), ...Object.keys(b.options)])) {
    const x = JSON.stringify(a.options[key]);
    const y = JSON.stringify(b.options[key]);
    if (x !== y) return `it was made with other options than the others: ${key} ${y ?? '(unset)'} vs ${x ?? '(unset)'}`;
  }
  return null;
}

/**
 * Every partial of `kind` in `dir`, in shard order, after checking they are shards 0..N−1 of one run, each once,
 * of one source and option set. Any problem is a DataError naming the file or the missing shard.
 */
export async function readPartials<T>(dir: string, kind: PartialKind): Promise<LoadedPartial<T>[]> {
  const names = (await readdir(dir)).filter((n) => n.startsWith(`partial-${kind}-`) && n.endsWith('.json')).sort();
  if (names.length === 0) throw new DataError(`no partial ${kind} results (partial-${kind}-*.json) here`, dir);
  const loaded: LoadedPartial<T>[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let parsed: PartialFile<T>;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8')) as PartialFile<T>;
    } catch (e) {
      throw new DataError(`cannot read this partial result: ${(e as Error).message}`, file);
    }
    if (parsed?.format !== FORMAT || parsed.version !== VERSION || parsed.stamp?.kind !== kind || !parsed.stamp.shard) {
      throw new DataError(`not a skiptrain partial ${kind} result of format version ${VERSION}`, file);
    }
    loaded.push({ file, stamp: parsed.stamp, result: parsed.result });
  }
  const first = loaded[0];
  const byIndex = new Map<number, LoadedPartial<T>>();
  for (const p of loaded) {
    const why = stampMismatch(first.stamp, p.stamp);
    if (why) throw new DataError(`refusing to merge it with ${first.file}: ${why}`, p.file);
    const twin = byIndex.get(p.stamp.shard.index);
    if (twin) throw new DataError(`shard ${shardLabel(p.stamp.shard)} of ${kind} appears twice: ${twin.file} and ${p.file}`, dir);
    byIndex.set(p.stamp.shard.index, p);
  }
  const n = first.stamp.shard.of;
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const names = missing.map((i) => `${i}/${n} (${partialFileName(kind, { index: i, of: n })})`);
    throw new DataError(`${kind}: shard${missing.length > 1 ? 's' : ''} ${names.join(', ')} missing; run those workers, then merge again`, dir);
  }
  return Array.from({ length: n }, (_, i) => byIndex.get(i)!);
}

// Partial results of sharded passes (`--shard I/N`): each worker writes one file into a shared folder, stamped with
// what it was computed from (the logs' and track table's identity, the options that change the result, its shard),
// so that `skiptrain merge` can check it holds every shard exactly once, all of the same source and options. Each
// file carries the CRC-32C of its own content (util/manifestCrc.ts): a damaged partial stops the merge, naming it,
// instead of adding wrong counts into the result.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { manifestCrcMatches, withManifestCrc } from '../../util/manifestCrc.ts';
import { tellOnce, toStderr } from '../../util/tellOnce.ts';
import { fingerprint, fingerprintChange, type PathFingerprint } from '../source/fingerprint.ts';
import { shardLabel, type ShardSpec } from '../source/shard.ts';

/** What a partial is of: its name in files and messages. */
export type PartialKind = 'stats' | 'cache' | 'inspect' | 'explore';

const FORMAT = 'skiptrain-partial';
/**
 * 3: the CRC-32C of the file's content (manifestCrc32c). 2: inspect and explore partials carry the unknown
 * categorical values (unknownCategories.ts); still read, unchecked.
 */
const VERSION = 3;
const UNCHECKED_VERSION = 2;

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
  /** CRC-32C of the file's content (absent in version 2). */
  manifestCrc32c?: number;
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
  await writeFileAtomic(path, JSON.stringify(withManifestCrc(file)) + '\n');
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

/** What to do about a damaged partial: its worker's shard is in the file name. */
function rerunAdvice(name: string): string {
  const shard = /-(\d+)-of-(\d+)\.json$/.exec(name);
  return `run its worker again (--shard ${shard ? `${shard[1]}/${shard[2]}` : 'I/N'}), then merge`;
}

/** One partial file, checked; a version 2 file (no CRC) is read unchecked and `log` hears so once. */
async function readPartial<T>(file: string, name: string, kind: PartialKind, log: (line: string) => void): Promise<LoadedPartial<T>> {
  let parsed: PartialFile<T>;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as PartialFile<T>;
  } catch (e) {
    throw new DataError(`cannot read this partial result (${(e as Error).message}): ${rerunAdvice(name)}`, file);
  }
  if (parsed?.format !== FORMAT || (parsed.version !== VERSION && parsed.version !== UNCHECKED_VERSION)) {
    throw new DataError(`not a skiptrain partial result of format version ${UNCHECKED_VERSION} or ${VERSION}: ${rerunAdvice(name)}`, file);
  }
  // A file that holds a CRC is checked whatever its version says, so a damaged version number cannot skip it.
  const checked = parsed.version !== UNCHECKED_VERSION || parsed.manifestCrc32c !== undefined;
  if (checked && !manifestCrcMatches(parsed)) {
    throw new DataError(`this partial result is corrupt (its CRC-32C does not match its content): ${rerunAdvice(name)}`, file);
  }
  if (!checked) {
    tellOnce(log, 'unchecked partials', `note: ${file} is a version ${UNCHECKED_VERSION} partial result (written before partials carried a CRC-32C): read without verification (said once per run)`);
  }
  if (parsed.stamp?.kind !== kind || !parsed.stamp.shard) throw new DataError(`not a skiptrain partial ${kind} result: ${rerunAdvice(name)}`, file);
  return { file, stamp: parsed.stamp, result: parsed.result };
}

/**
 * Every partial of `kind` in `dir`, in shard order, after checking each file's CRC and that they are shards 0..N−1
 * of one run, each once, of one source and option set. Any problem is a DataError naming the file or the missing
 * shard; `log` hears about partials too old to carry a CRC.
 */
export async function readPartials<T>(dir: string, kind: PartialKind, log: (line: string) => void = toStderr): Promise<LoadedPartial<T>[]> {
  const names = (await readdir(dir)).filter((n) => n.startsWith(`partial-${kind}-`) && n.endsWith('.json')).sort();
  if (names.length === 0) throw new DataError(`no partial ${kind} results (partial-${kind}-*.json) here`, dir);
  const loaded: LoadedPartial<T>[] = [];
  for (const name of names) loaded.push(await readPartial<T>(join(dir, name), name, kind, log));
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

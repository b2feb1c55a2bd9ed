// FeatureStats in one streaming pass: play-weighted mean/std of every track feature (a track played 100 times
// counts 100 times, as the model sees it), categorical value counts, and the skip_2 rate per position.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { DataError } from '../../errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { CONTEXT_TYPES, MAX_SESSION_LENGTH, REASONS_END, REASONS_START, TRACK_FEATURES, vocabWord } from '../format/columns.ts';
import { readSessions } from '../read/logs.ts';
import { type ReadLogOptions } from '../read/readOptions.ts';
import type { SessionTest } from './split.ts';
import type { FeatureStats, Session, TrackTable } from '../format/types.ts';

/** A zero count per vocabulary word and one for the "other" slot past its end. */
function counter(vocab: readonly string[]): Record<string, number> {
  return Object.fromEntries(Array.from({ length: vocab.length + 1 }, (_, i) => [vocabWord(vocab, i), 0]));
}

/**
 * What one pass (or one shard's pass) leaves behind, in a form that merges exactly (statsMerge.ts): counts, and per
 * feature the play count, mean and sum of squared deviations (Welford/Chan form).
 */
export interface FeatureStatsPartial {
  plays: number;
  mean: number[];
  m2: number[];
  vocab: FeatureStats['vocab'];
  rows: number;
  sessions: number;
  /** skip_2 = true rows and all rows per position (index position − 1). */
  skips: number[];
  seen: number[];
}

/**
 * Streams `logs` once. Rows whose track is not in `tracks` still count for rows, vocab and skip rates, but not for
 * the feature moments. Stops after `maxSessions` sessions when given (> 0).
 */
export async function computeFeatureStats(
  logs: string,
  tracks: TrackTable,
  opts: ReadLogOptions & { maxSessions?: number; accept?: SessionTest; sessions?: AsyncIterable<Session> } = {},
): Promise<FeatureStats> {
  return finishFeatureStats(await accumulateFeatureStats(logs, tracks, opts));
}

/** The pass behind computeFeatureStats, stopped before the final division: a partial that merges with others. */
export async function accumulateFeatureStats(
  logs: string,
  tracks: TrackTable,
  opts: ReadLogOptions & { maxSessions?: number; accept?: SessionTest; sessions?: AsyncIterable<Session> } = {},
): Promise<FeatureStatsPartial> {
  const width = tracks.width;
  // Moments around a shift (the first value seen per feature) keep the variance exact for large offsets such as
  // release_year ≈ 2000 over billions of rows.
  const shift = new Float64Array(width);
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  let plays = 0;
  const vocab = { contextType: counter(CONTEXT_TYPES), reasonStart: counter(REASONS_START), reasonEnd: counter(REASONS_END) };
  const skips = new Float64Array(MAX_SESSION_LENGTH);
  const seen = new Float64Array(MAX_SESSION_LENGTH);
  let rows = 0;
  let sessions = 0;
  const { tracks: _ignored, accept, sessions: given, ...readOpts } = opts;
  void _ignored;
  // `sessions` lets a caller feed the same pass from elsewhere (the binary cache) instead of parsing `logs`
  for await (const session of given ?? readSessions(logs, readOpts)) {
    if (accept && !accept(session.id, session.day)) continue; // e.g. the held-out share of a session-hash split
    sessions++;
    for (const row of session.rows) {
      rows++;
      vocab.contextType[vocabWord(CONTEXT_TYPES, row.contextType)]++;
      vocab.reasonStart[vocabWord(REASONS_START, row.reasonStart)]++;
      vocab.reasonEnd[vocabWord(REASONS_END, row.reasonEnd)]++;
      const p = row.position - 1;
      seen[p]++;
      if (row.skip2) skips[p]++;
      const t = tracks.index.get(row.trackId);
      if (t === undefined) continue;
      const base = t * width;
      if (plays === 0) for (let c = 0; c < width; c++) shift[c] = tracks.features[base + c];
      plays++;
      for (let c = 0; c < width; c++) {
        const d = tracks.features[base + c] - shift[c];
        sum[c] += d;
        sumSq[c] += d * d;
      }
    }
    if (opts.maxSessions && sessions >= opts.maxSessions) break;
  }
  const mean: number[] = [];
  const m2: number[] = [];
  for (let c = 0; c < width; c++) {
    mean.push(plays > 0 ? shift[c] + sum[c] / plays : 0);
    m2.push(plays > 0 ? Math.max(0, sumSq[c] - (sum[c] * sum[c]) / plays) : 0);
  }
  return { plays, mean, m2, vocab, rows, sessions, skips: Array.from(skips), seen: Array.from(seen) };
}

export function finishFeatureStats(p: FeatureStatsPartial): FeatureStats {
  const std = p.m2.map((m) => (p.plays > 0 ? Math.sqrt(m / p.plays) : 0));
  const skipRateByPosition = p.seen.map((n, i) => (n > 0 ? p.skips[i] / n : 0));
  return { mean: [...p.mean], std, vocab: p.vocab, rows: p.rows, sessions: p.sessions, skipRateByPosition, rowsByPosition: [...p.seen] };
}

export async function saveFeatureStats(path: string, s: FeatureStats): Promise<void> {
  await writeFileAtomic(path, JSON.stringify({ features: TRACK_FEATURES, ...s }, null, 2) + '\n');
}

const isNumberArray = (v: unknown, n?: number) =>
  Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Reads a stats file written by saveFeatureStats; anything malformed is a DataError naming the file and the field. */
export async function loadFeatureStats(path: string): Promise<FeatureStats> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read feature stats: ${(e as Error).message}`, path);
  }
  const o = raw as Record<string, unknown>;
  const bad = (field: string, why: string) => new DataError(`field '${field}' ${why}`, path);
  if (typeof o !== 'object' || o === null) throw new DataError('not a JSON object', path);
  if (o.features !== undefined && JSON.stringify(o.features) !== JSON.stringify(TRACK_FEATURES)) {
    throw bad('features', `lists other track features than this version uses (${TRACK_FEATURES.length}); run skiptrain prepare again`);
  }
  if (!isNumberArray(o.mean, TRACK_FEATURES.length)) throw bad('mean', `must be ${TRACK_FEATURES.length} numbers`);
  if (!isNumberArray(o.std, TRACK_FEATURES.length)) throw bad('std', `must be ${TRACK_FEATURES.length} numbers`);
  if (!isNumberArray(o.skipRateByPosition, MAX_SESSION_LENGTH)) throw bad('skipRateByPosition', `must be ${MAX_SESSION_LENGTH} numbers`);
  if (typeof o.rows !== 'number' || typeof o.sessions !== 'number') throw bad('rows/sessions', 'must be numbers');
  const v = o.vocab as FeatureStats['vocab'] | undefined;
  if (!v || typeof v.contextType !== 'object' || typeof v.reasonStart !== 'object' || typeof v.reasonEnd !== 'object') {
    throw bad('vocab', 'must hold contextType, reasonStart and reasonEnd counts');
  }
  return {
    mean: o.mean as number[],
    std: o.std as number[],
    vocab: v,
    rows: o.rows,
    sessions: o.sessions,
    skipRateByPosition: o.skipRateByPosition as number[],
    ...(isNumberArray(o.rowsByPosition, MAX_SESSION_LENGTH) ? { rowsByPosition: o.rowsByPosition as number[] } : {}),
  };
}

/**
 * The statistics file an --out names (prepare, merge): --out itself, or stats.json inside it when it is a folder —
 * an existing one, one written with a trailing '/', or the cache folder (`--cache C --out C`, as for a sharded run,
 * where `skiptrain merge C` writes C/stats.json). Decided before any work, so a folder never fails it at the end.
 */
export async function statsFileAt(out: string, cache?: string): Promise<string> {
  const isFolder =
    out.endsWith('/') ||
    out.endsWith(sep) ||
    (cache !== undefined && resolve(out) === resolve(cache)) ||
    (await stat(out).catch(() => null))?.isDirectory();
  if (!isFolder) return out;
  await mkdir(out, { recursive: true });
  return join(out, 'stats.json');
}

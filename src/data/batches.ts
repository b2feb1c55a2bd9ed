// From sessions to padded batches: the train/validation split, a bounded shuffle buffer, and the two views of a
// session (per-position: everything before t is known; challenge: the first ⌊L/2⌋ rows are known, the rest hidden).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { ProgressLine } from '../util/progress.ts';
import type { DataSettings } from './dataConfig.ts';
import { DataError } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import { knownRows } from './challenge.ts';
import { LABELS, MAX_SESSION_LENGTH } from './columns.ts';
import { INPUT_FEATURES, encodeSession, makeNormaliser, type Normaliser } from './features.ts';
import { newReadCounts, readSessions, type ReadLogOptions } from './logs.ts';
import { openSessionSource, type SessionSource } from './cache/sessionSource.ts';
import { splitFilter, type Split } from './split.ts';
import { trackKeys } from './trackKey.ts';
import { loadTrackTable } from './tracks.ts';
import { computeFeatureStats, loadFeatureStats, saveFeatureStats } from './stats.ts';
import type { Batch, ChallengeSession, FeatureStats, LogRow, Session, TrackTable } from './types.ts';
import { unknownCategoryWarnings } from './unknownCategories.ts';

export type View = 'per-position' | 'challenge';

export interface DataContext {
  config: DataSettings;
  tracks: TrackTable;
  stats: FeatureStats;
  norm: Normaliser;
  /** Sessions of config.data.logs for some days: the binary cache when data.cache is set, else the CSV reader. */
  sessions?: SessionSource;
}

/**
 * Everything batches need besides the logs: the track table and the feature statistics of the training days.
 * Generates the built-in synthetic data first when the config asks for it and it is not there yet. The first pass
 * over the logs (the cache build, else the statistics) ends with one warning per categorical column whose values
 * fell outside its vocabulary; later passes read the same rows and say nothing.
 */
export async function loadDataContext(
  config: DataSettings,
  opts: { statsPath?: string; stats?: FeatureStats; log?: (s: string) => void } = {},
): Promise<DataContext> {
  const log = opts.log ?? ((s: string) => console.error(s));
  await ensureSynthData(config, log);
  log(`loading track features from ${config.data.tracks}`);
  const tracks = await loadTrackTable(config.data.tracks);
  const counts = newReadCounts();
  // With data.cache set, the first pass writes the binary cache and every later pass (stats, epochs) reads it.
  const sessions = config.data.cache ? await openSessionSource(config, tracks, log, counts) : undefined;
  let stats = opts.stats;
  if (!stats && opts.statsPath && existsSync(opts.statsPath)) stats = await loadFeatureStats(opts.statsPath);
  if (stats === undefined) {
    log(`computing feature statistics over the training sessions of ${config.data.logs}`);
    const trainSplit = splitFilter(config, 'train');
    stats = await computeFeatureStats(config.data.logs, tracks, {
      ...readOptions(config),
      counts,
      days: trainSplit.days,
      accept: trainSplit.accept,
      maxSessions: config.data.maxSessions || undefined,
      sessions: sessions?.(trainSplit.days),
    });
    if (opts.statsPath) await saveFeatureStats(opts.statsPath, stats);
  }
  for (const line of unknownCategoryWarnings(counts.unknownCategories)) log(line);
  return { config, tracks, stats, norm: makeNormaliser(stats!), sessions };
}

/**
 * Generates the built-in synthetic data when the config asks for it. A `synth.json` beside the archives records the
 * parameters they were made with: data made with other parameters is regenerated (with a message), and files
 * without that record are the user's own and are never overwritten.
 */
export async function ensureSynthData(config: DataSettings, log: (s: string) => void): Promise<void> {
  const s = config.data.synth;
  if (s.sessions <= 0) return;
  const out = dirname(config.data.logs);
  const recordPath = join(out, 'synth.json');
  const wanted = JSON.stringify({ sessions: s.sessions, days: s.days, seed: s.seed, tracks: s.tracks, startDate: s.startDate });
  const present = existsSync(config.data.logs) && existsSync(config.data.tracks);
  if (present) {
    if (!existsSync(recordPath)) return;
    const recorded = await readFile(recordPath, 'utf8').catch(() => '');
    if (recorded.trim() === wanted) return;
    log(`the synthetic data in ${out} was made with other settings (${recorded.trim() || 'unknown'}): regenerating`);
  }
  log(`generating the built-in synthetic data (${s.sessions} sessions, ${s.days} days) into ${out}`);
  const { writeSynth } = await import('./synth/index.ts');
  // Redrawn on a terminal; elsewhere its lines go through `log` like the rest of this step's messages.
  const progress = new ProgressLine(process.stderr.isTTY ? {} : { stream: { write: (line: string) => log(line.trimEnd()) } });
  await writeSynth({
    ...{ out, sessions: s.sessions, days: s.days, seed: s.seed, tracks: s.tracks, startDate: s.startDate },
    onProgress: (done) => progress.update(`  synthesized ${done}/${s.sessions} sessions`, done >= s.sessions),
  });
  progress.done();
  await writeFileAtomic(recordPath, `${wanted}\n`);
}

export function readOptions(config: DataSettings): ReadLogOptions {
  return { dateFormat: config.data.dateFormat, badDates: config.data.badDates, unknownCategories: config.data.unknownCategories };
}

/** Sessions of config.data.logs for some days: the binary cache when the context has one, else the CSV reader. */
function readDays(ctx: DataContext, days: ReadonlySet<string> | undefined): AsyncIterable<Session> {
  return ctx.sessions ? ctx.sessions(days) : readSessions(ctx.config.data.logs, { ...readOptions(ctx.config), days });
}

async function* splitSessions(ctx: DataContext, split: Split, limit: number): AsyncIterable<Session> {
  const { days, accept } = splitFilter(ctx.config, split);
  yield* limited(filtered(readDays(ctx, days), accept), limit);
}

async function* filtered<T>(items: AsyncIterable<T>, accept: (item: T) => boolean): AsyncIterable<T> {
  for await (const item of items) if (accept(item)) yield item;
}

/**
 * Bounded shuffle: hold up to `capacity` items, emit a random one as each new one arrives, then drain in random
 * order. Memory is flat; the order depends only on the input order and the rng.
 */
export async function* shuffleBuffer<T>(items: AsyncIterable<T>, capacity: number, rng: Rng): AsyncIterable<T> {
  const buf: T[] = [];
  for await (const item of items) {
    if (buf.length < capacity) {
      buf.push(item);
      continue;
    }
    const i = rng.int(capacity);
    const out = buf[i];
    buf[i] = item;
    yield out;
  }
  rng.shuffle(buf);
  yield* buf;
}

async function* inGroups<T>(items: AsyncIterable<T>, size: number): AsyncIterable<T[]> {
  let group: T[] = [];
  for await (const item of items) {
    group.push(item);
    if (group.length === size) {
      yield group;
      group = [];
    }
  }
  if (group.length) yield group;
}

/** Training batches for one epoch, deterministic for (seed, epoch). `skipBatches` fast-forwards after a resume. */
export async function* trainBatches(
  ctx: DataContext,
  opts: { epoch: number; seed: number; view: View; skipBatches?: number },
): AsyncIterable<Batch> {
  const { train, data } = ctx.config;
  const rng = Rng.derive(opts.seed, 'shuffle', opts.epoch);
  const sessions = shuffleBuffer(splitSessions(ctx, 'train', data.maxSessions), data.shuffleBuffer, rng);
  // In the challenge task a share of sessions comes in the per-position view (TrainConfig.perPositionShare); drawn
  // for skipped batches too, so a resume sees the same views.
  const share = opts.view === 'challenge' ? (train.perPositionShare ?? 0) : 0;
  const viewRng = Rng.derive(opts.seed, 'view', opts.epoch);
  let skip = opts.skipBatches ?? 0;
  for await (const group of inGroups(sessions, train.batchSize)) {
    const views = group.map((): View => (share > 0 && viewRng.next() < share ? 'per-position' : opts.view));
    if (skip > 0) {
      skip--;
      continue;
    }
    yield sessionsToBatch(ctx, group, views);
  }
}

/**
 * Evaluation batches in file order: the validation or test split (default validation), the given days, or every
 * session of another logs path. Days of the run's own logs under a session-hash split keep only that split's
 * sessions: every day also holds training sessions.
 */
export async function* evalBatches(
  ctx: DataContext,
  opts: { view: View; split?: Exclude<Split, 'train'>; days?: string[]; logs?: string; batchSize?: number; maxSessions?: number },
): AsyncIterable<Batch> {
  const split = opts.split ?? 'val';
  const size = opts.batchSize ?? Math.max(ctx.config.train.batchSize, 256);
  const limit = opts.maxSessions ?? ctx.config.data.maxValSessions;
  let sessions: AsyncIterable<Session>;
  if (opts.logs) {
    const days = opts.days ? new Set(opts.days) : undefined;
    sessions = limited(readSessions(opts.logs, { ...readOptions(ctx.config), days }), limit);
  } else if (opts.days) {
    // The run's own logs: the cache serves them too.
    const days = readDays(ctx, new Set(opts.days));
    const hashed = ctx.config.data.split === 'session-hash';
    sessions = limited(hashed ? filtered(days, splitFilter(ctx.config, split).accept) : days, limit);
  } else {
    sessions = splitSessions(ctx, split, limit);
  }
  for await (const group of inGroups(sessions, size)) yield sessionsToBatch(ctx, group, opts.view);
}

async function* limited<T>(items: AsyncIterable<T>, limit: number | undefined): AsyncIterable<T> {
  let n = 0;
  for await (const item of items) {
    yield item;
    if (limit && ++n >= limit) return;
  }
}

/** Batches of challenge test sessions (predict): known first half, hidden second half with track ids only. */
export async function* challengeBatches(
  ctx: DataContext,
  sessions: AsyncIterable<ChallengeSession>,
  batchSize: number,
): AsyncIterable<Batch> {
  for await (const group of inGroups(sessions, batchSize)) {
    const batch = emptyBatch(group.length);
    group.forEach((s, b) => {
      const trackIds = [...s.known.map((r) => r.trackId), ...s.hiddenTrackIds];
      fillSession(ctx, batch, b, s.id, s.length, trackIds, s.known, s.source);
      for (let t = s.known.length; t < Math.min(trackIds.length, MAX_SESSION_LENGTH); t++) batch.mask[b * MAX_SESSION_LENGTH + t] = 1;
    });
    yield batch;
  }
}

/**
 * Encode full sessions in the given view (one for all, or one per session); labels come from every row (the hidden half's too, for scoring). Each row
 * sits at its own session_position: a row dropped by the reader (badDates: skip-row) leaves an empty slot, so the
 * rows after it, the known/hidden split and the scored positions do not move.
 */
export function sessionsToBatch(ctx: DataContext, sessions: Session[], views: View | readonly View[]): Batch {
  const T = MAX_SESSION_LENGTH;
  const labelIndex = LABELS.indexOf(ctx.config.data.label);
  const batch = emptyBatch(sessions.length);
  sessions.forEach((s, b) => {
    const view = typeof views === 'string' ? views : views[b];
    const slots: (LogRow | undefined)[] = [];
    for (const r of s.rows) if (r.position >= 1 && r.position <= T) slots[r.position - 1] = r;
    const nKnown = view === 'challenge' ? Math.min(slots.length, knownRows(s.length)) : slots.length;
    const known = Array.from({ length: nKnown }, (_, t) => slots[t]);
    fillSession(ctx, batch, b, s.id, s.length, Array.from(slots, (r) => r?.trackId), known, s.source);
    slots.forEach((r, t) => {
      if (!r) return; // an empty slot is never scored (mask 0)
      const i = b * T + t;
      const outcomes = [r.skip1, r.skip2, r.skip3, r.notSkipped];
      for (let k = 0; k < 4; k++) batch.auxLabels[i * 4 + k] = outcomes[k] ? 1 : 0;
      batch.labels[i] = outcomes[labelIndex] ? 1 : 0;
      batch.mask[i] = view === 'challenge' && t < nKnown ? 0 : 1;
    });
  });
  return batch;
}

/** A zeroed batch of `size` sessions (track rows -1 = none); `features` is the input width per position. */
export function emptyBatch(size: number, features = INPUT_FEATURES): Batch {
  const T = MAX_SESSION_LENGTH;
  return {
    size,
    seqLen: T,
    features,
    inputs: new Float32Array(size * T * features),
    trackIndex: new Int32Array(size * T).fill(-1),
    mask: new Float32Array(size * T),
    labels: new Float32Array(size * T),
    auxLabels: new Float32Array(size * T * 4),
    present: new Float32Array(size * T),
    known: new Float32Array(size * T),
    sessionIds: new Array<string>(size),
    lengths: new Int32Array(size),
  };
}

function fillSession(
  ctx: DataContext,
  batch: Batch,
  b: number,
  id: string,
  length: number,
  trackIds: readonly (string | undefined)[],
  known: readonly (LogRow | undefined)[],
  source: string,
): void {
  const T = MAX_SESSION_LENGTH;
  const n = Math.min(trackIds.length, T);
  const rowsOfTracks = new Int32Array(n);
  const keys = trackKeys(ctx.tracks);
  for (let t = 0; t < n; t++) {
    const trackId = trackIds[t];
    if (trackId === undefined) {
      rowsOfTracks[t] = -1; // a dropped row: no track, nothing known, nothing scored
      continue;
    }
    const row = ctx.tracks.index.get(trackId) ?? -1;
    if (row < 0 && ctx.config.data.unknownTracks === 'error') {
      throw new DataError(
        `unknown track id '${trackId}' at session_position ${t + 1} of session ${id} (set data.unknownTracks: zeros to use all-zero features)`,
        source,
      );
    }
    rowsOfTracks[t] = row;
    batch.trackIndex[b * T + t] = row >= 0 ? keys[row] : -1;
    batch.present[b * T + t] = 1;
    if (known[t]) batch.known[b * T + t] = 1;
  }
  batch.sessionIds[b] = id;
  batch.lengths[b] = length;
  encodeSession(batch.inputs, b * T * INPUT_FEATURES, ctx.tracks, ctx.norm, rowsOfTracks, known, length);
}

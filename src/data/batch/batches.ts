// From session blocks to padded batches: the train/validation split, a bounded shuffle buffer, and the two views of a
// session (per-position: everything before t is known; challenge: the first ⌊L/2⌋ rows are known, the rest hidden).
// Batches are written straight from the blocks' columns: no object per row or per session on the way.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { ProgressLine } from '../../util/progress.ts';
import type { DataSettings } from '../format/dataConfig.ts';
import { DataError } from '../../errors.ts';
import { Rng } from '../../util/rng.ts';
import { knownRows } from '../format/challenge.ts';
import { LABELS, MAX_SESSION_LENGTH, REASONS_END } from '../format/columns.ts';
import { INPUT_FEATURES, encodeSession, makeNormaliser, type Normaliser } from './features.ts';
import { SpareBuffers } from '../../util/spareBuffers.ts';
import { defaultBatchEncoder, NativeBatchEncoder, type BatchEncoderKind } from './nativeEncoder.ts';
import { newReadCounts, type ReadLogOptions } from '../read/readOptions.ts';
import { blockOfSessions, NOT_SKIPPED, sessionsOfBlocks, sessionSource, SKIP1, SKIP2, SKIP3, trackIdAt, type SessionBlock } from '../format/block.ts';
import { logBlocks, openSessionSource, type SessionSource } from '../cache/sessionSource.ts';
import { splitFilter, type SessionTest, type Split } from '../passes/split.ts';
import { trackKeys } from '../format/trackKey.ts';
import { loadTrackTable } from '../read/tracks.ts';
import { computeFeatureStats, loadFeatureStats, saveFeatureStats } from '../passes/stats.ts';
import type { Batch, ChallengeSession, FeatureStats, LogRow, Session, TrackTable } from '../format/types.ts';
import { unknownCategoryWarnings } from '../format/unknownCategories.ts';

export type View = 'per-position' | 'challenge';

export interface DataContext {
  config: DataSettings;
  tracks: TrackTable;
  stats: FeatureStats;
  norm: Normaliser;
  /** Session blocks of config.data.logs for some days: the binary cache when data.cache is set, else the CSV reader. */
  source: SessionSource;
  /** Which encoder writes the batches: C when the addon is built, else JavaScript (the same batches, bit for bit). */
  encoder: BatchEncoderKind;
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
  const source = await openSessionSource(config, tracks, log, counts);
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
      sessions: source.manifest ? sessionsOfBlocks(source(trainSplit.days), tracks, trainSplit.days) : undefined,
    });
    if (opts.statsPath) await saveFeatureStats(opts.statsPath, stats);
  }
  for (const line of unknownCategoryWarnings(counts.unknownCategories)) log(line);
  return { config, tracks, stats, norm: makeNormaliser(stats!), source, encoder: defaultBatchEncoder() };
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
  const { writeSynth } = await import('../synth/index.ts');
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

/**
 * The picked sessions of a stream of blocks: session `index[k]` of `blocks[k]`. Pairs in two arrays, so that no
 * object is made per session on the way from the columns to a batch.
 */
interface Picks {
  blocks: SessionBlock[];
  index: Int32Array;
}

/** Sessions of the given days (all when undefined) that `accept` keeps, at most `limit` (0: all), block by block. */
async function* pickSessions(
  blocks: AsyncIterable<SessionBlock>,
  days: ReadonlySet<string> | undefined,
  accept: SessionTest,
  limit: number | undefined,
): AsyncIterable<[SessionBlock, Int32Array]> {
  let n = 0;
  for await (const block of blocks) {
    const picked = new Int32Array(block.ids.length);
    let k = 0;
    for (let s = 0; s < block.ids.length && !(limit && n >= limit); s++) {
      const day = block.days[block.sessionDay[s]];
      if ((days && !days.has(day)) || !accept(block.ids[s], day)) continue;
      picked[k++] = s;
      n++;
    }
    if (k) yield [block, picked.subarray(0, k)];
    if (limit && n >= limit) return;
  }
}

/**
 * Groups of `size` sessions in order, or through a bounded shuffle when `rng` is given: hold up to `capacity`
 * sessions, emit a random one as each new one arrives, then drain in random order. Memory is flat; the order
 * depends only on the input order and the rng.
 */
async function* sessionGroups(
  picks: AsyncIterable<[SessionBlock, Int32Array]>,
  size: number,
  shuffle?: { capacity: number; rng: Rng },
): AsyncIterable<Picks> {
  let group: Picks = { blocks: [], index: new Int32Array(size) };
  const emit = (block: SessionBlock, s: number): Picks | null => {
    group.index[group.blocks.length] = s;
    group.blocks.push(block);
    if (group.blocks.length < size) return null;
    const full = group;
    group = { blocks: [], index: new Int32Array(size) };
    return full;
  };
  const capacity = shuffle?.capacity ?? 0;
  const heldBlocks: SessionBlock[] = [];
  const heldIndex = new Int32Array(capacity);
  for await (const [block, picked] of picks) {
    for (let k = 0; k < picked.length; k++) {
      let out: SessionBlock = block;
      let s = picked[k];
      if (shuffle) {
        if (heldBlocks.length < capacity) {
          heldIndex[heldBlocks.length] = s;
          heldBlocks.push(block);
          continue;
        }
        const i = shuffle.rng.int(capacity);
        out = heldBlocks[i];
        s = heldIndex[i];
        heldBlocks[i] = block;
        heldIndex[i] = picked[k];
      }
      const full = emit(out, s);
      if (full) yield full;
    }
  }
  if (shuffle) {
    const order = shuffle.rng.shuffle(Array.from(heldBlocks, (_, i) => i));
    for (const i of order) {
      const full = emit(heldBlocks[i], heldIndex[i]);
      if (full) yield full;
    }
  }
  if (group.blocks.length) yield { blocks: group.blocks, index: group.index.subarray(0, group.blocks.length) };
}

/**
 * Training batches for one epoch, deterministic for (seed, epoch). `skipBatches` fast-forwards after a resume;
 * `buffers` holds batch memory the consumer returned.
 */
export async function* trainBatches(
  ctx: DataContext,
  opts: { epoch: number; seed: number; view: View; skipBatches?: number; buffers?: SpareBuffers },
): AsyncIterable<Batch> {
  const { train, data } = ctx.config;
  const { days, accept } = splitFilter(ctx.config, 'train');
  // Cache blocks are read into the buffers of blocks whose picked sessions are all encoded.
  const reuse = ctx.source.manifest ? new BlockReuse() : null;
  const picked = pickSessions(ctx.source(days, reuse?.spare), days, accept, data.maxSessions);
  const picks = reuse ? reuse.counted(picked) : picked;
  const groups = sessionGroups(picks, train.batchSize, { capacity: data.shuffleBuffer, rng: Rng.derive(opts.seed, 'shuffle', opts.epoch) });
  // In the challenge task a share of sessions comes in the per-position view (TrainConfig.perPositionShare); drawn
  // for skipped batches too, so a resume sees the same views.
  const share = opts.view === 'challenge' ? (train.perPositionShare ?? 0) : 0;
  const viewRng = Rng.derive(opts.seed, 'view', opts.epoch);
  const encoder = new BatchEncoder(ctx, opts.buffers);
  let skip = opts.skipBatches ?? 0;
  for await (const group of groups) {
    const views = group.blocks.map((): View => (share > 0 && viewRng.next() < share ? 'per-position' : opts.view));
    if (skip > 0) {
      skip--;
      reuse?.encoded(group.blocks);
      continue;
    }
    const batch = encoder.batch(group, views);
    reuse?.encoded(group.blocks); // the batch holds none of the blocks' memory
    yield batch;
  }
}

/**
 * Cache blocks given back once every session picked from them is encoded, for the shard reader to read later blocks
 * into: a block then lives only while the shuffle buffer holds one of its sessions (~12 MB of blocks here), where
 * garbage collection let ~100 MB of dead ones pile up, each read into fresh pages. A block's arrays are views of one
 * buffer (shardFormat.ts deserializeBlock).
 */
class BlockReuse {
  readonly spare = new SpareBuffers(16);
  private readonly left = new Map<SessionBlock, number>();

  /** The picks, each block's count of picked sessions noted. */
  async *counted(picks: AsyncIterable<[SessionBlock, Int32Array]>): AsyncIterable<[SessionBlock, Int32Array]> {
    for await (const [block, picked] of picks) {
      this.left.set(block, picked.length);
      yield [block, picked];
    }
  }

  /** One session of each of `blocks` encoded (or skipped): a block with none left gives its buffer back. */
  encoded(blocks: readonly SessionBlock[]): void {
    for (const block of blocks) {
      const left = this.left.get(block);
      if (left === undefined) continue;
      if (left > 1) {
        this.left.set(block, left - 1);
        continue;
      }
      this.left.delete(block);
      this.spare.give(block.rowEnd.buffer as ArrayBuffer);
    }
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
  const all: SessionTest = () => true;
  let picks: AsyncIterable<[SessionBlock, Int32Array]>;
  if (opts.logs) {
    const days = opts.days ? new Set(opts.days) : undefined;
    picks = pickSessions(logBlocks(opts.logs, { ...readOptions(ctx.config), days, tracks: ctx.tracks }), days, all, limit);
  } else if (opts.days) {
    // The run's own logs: the cache serves them too.
    const days = new Set(opts.days);
    const hashed = ctx.config.data.split === 'session-hash';
    picks = pickSessions(ctx.source(days), days, hashed ? splitFilter(ctx.config, split).accept : all, limit);
  } else {
    const { days, accept } = splitFilter(ctx.config, split);
    picks = pickSessions(ctx.source(days), days, accept, limit);
  }
  const encoder = new BatchEncoder(ctx);
  for await (const group of sessionGroups(picks, size)) yield encoder.batch(group, opts.view);
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

/**
 * Batches of challenge test sessions (predict): known first half, hidden second half with track ids only, placed
 * one after another from position 1; only the hidden positions are scored, and there are no labels.
 */
export async function* challengeBatches(
  ctx: DataContext,
  sessions: AsyncIterable<ChallengeSession>,
  batchSize: number,
): AsyncIterable<Batch> {
  const encoder = new BatchEncoder(ctx);
  for await (const group of inGroups(sessions, batchSize)) {
    const block = blockOfSessions(group.map(asSession), ctx.tracks);
    const batch = emptyBatch(group.length);
    group.forEach((s, b) => encoder.session(batch, b, block, b, s.known.length, true, false));
    yield batch;
  }
}

/** A test-set session as one whose rows sit at positions 1, 2, …: the known rows, then the hidden tracks. */
function asSession(s: ChallengeSession): Session {
  const hidden = s.hiddenTrackIds.map((trackId): LogRow => ({ ...HIDDEN_ROW, trackId }));
  const rows = [...s.known, ...hidden].map((r, t) => ({ ...r, position: t + 1 }));
  return { id: s.id, day: '', length: s.length, rows, source: s.source };
}

/** What a hidden row is made of: its track (set per row) and nothing else. */
const HIDDEN_ROW: LogRow = {
  position: 0,
  trackId: '',
  skip1: false,
  skip2: false,
  skip3: false,
  notSkipped: false,
  contextSwitch: false,
  noPause: false,
  shortPause: false,
  longPause: false,
  seekFwd: 0,
  seekBack: 0,
  shuffle: false,
  hour: 0,
  date: '',
  premium: false,
  contextType: 0,
  reasonStart: 0,
  reasonEnd: 0,
};

/**
 * Encode full sessions in the given view (one for all, or one per session); labels come from every row (the hidden
 * half's too, for scoring). Each row sits at its own session_position: a row dropped by the reader (badDates:
 * skip-row) leaves an empty slot, so the rows after it, the known/hidden split and the scored positions do not move.
 */
export function sessionsToBatch(ctx: DataContext, sessions: Session[], views: View | readonly View[]): Batch {
  const block = blockOfSessions(sessions, ctx.tracks);
  return new BatchEncoder(ctx).batch({ blocks: sessions.map(() => block), index: Int32Array.from(sessions, (_, s) => s) }, views);
}

/**
 * A batch of `size` sessions (track rows -1 = none); `features` is the input width per position. Its arrays share
 * one buffer, one allocation per batch, or a returned one from `buffers`. `zeroed` false leaves the memory as it
 * comes, for an encoder that writes every value (the native one): zeroing ~7 KB per session is a pass over memory
 * the encoder then writes again.
 */
export function emptyBatch(size: number, features = INPUT_FEATURES, zeroed = true, buffers?: SpareBuffers): Batch {
  const P = size * MAX_SESSION_LENGTH;
  const lengths = [P * features, P, P, P, P * 4, P, P, P, size]; // in the order of the views below, 4 bytes each
  const bytes = 4 * lengths.reduce((a, b) => a + b, 0);
  const reused = buffers?.take(bytes) ?? null;
  if (reused && zeroed) new Uint8Array(reused).fill(0);
  const buffer = reused ?? (zeroed ? new ArrayBuffer(bytes) : (Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer));
  let at = 0;
  const view = <A>(make: new (buffer: ArrayBuffer, offset: number, length: number) => A, i: number): A => {
    const a = new make(buffer, at, lengths[i]);
    at += 4 * lengths[i];
    return a;
  };
  const batch: Batch = {
    size,
    seqLen: MAX_SESSION_LENGTH,
    features,
    inputs: view(Float32Array, 0),
    trackIndex: view(Int32Array, 1),
    mask: view(Float32Array, 2),
    labels: view(Float32Array, 3),
    auxLabels: view(Float32Array, 4),
    reasonEnd: view(Int32Array, 5),
    present: view(Float32Array, 6),
    known: view(Float32Array, 7),
    lengths: view(Int32Array, 8),
    sessionIds: new Array<string>(size),
  };
  if (zeroed) {
    batch.trackIndex.fill(-1);
    batch.reasonEnd.fill(-1);
  }
  return batch;
}

/** Writes sessions of blocks into batches, straight from the columns: in C (nativeEncoder.ts) or here. */
class BatchEncoder {
  private readonly keys: Int32Array;
  private readonly labelBit: number;
  private readonly native: NativeBatchEncoder | null;
  /** Scratch per session: the block row at each position (-1: none) and its track-table row. */
  private readonly slotRow = new Int32Array(MAX_SESSION_LENGTH);
  private readonly trackRows = new Int32Array(MAX_SESSION_LENGTH);
  /** Per block: the table row of each of its extra track ids (-1: not in the table). */
  private readonly extraRows = new WeakMap<SessionBlock, Int32Array>();
  /** What touchTracks read, kept so that its reads are not optimised away. */
  touched = 0;

  constructor(
    private readonly ctx: DataContext,
    private readonly buffers?: SpareBuffers,
  ) {
    this.keys = trackKeys(ctx.tracks);
    this.labelBit = [SKIP1, SKIP2, SKIP3, NOT_SKIPPED][LABELS.indexOf(ctx.config.data.label)];
    this.native =
      ctx.encoder === 'native'
        ? new NativeBatchEncoder({
            ...{ features: ctx.tracks.features, width: ctx.tracks.width, mean: ctx.norm.mean, invStd: ctx.norm.invStd, keys: this.keys },
            labelBit: this.labelBit,
            unknownIsError: ctx.config.data.unknownTracks === 'error',
            extraRows: (block) => this.extraRowsOf(block),
          })
        : null;
  }

  /** A batch of picked sessions, each in its view (one for all, or one per session). */
  batch(group: Picks, views: View | readonly View[]): Batch {
    const B = group.blocks.length;
    const batch = emptyBatch(B, INPUT_FEATURES, !this.native, this.buffers);
    const knownLimit = new Int32Array(B);
    const scoreHidden = new Uint8Array(B);
    for (let b = 0; b < B; b++) {
      const challenge = (typeof views === 'string' ? views : views[b]) === 'challenge';
      knownLimit[b] = challenge ? knownRows(group.blocks[b].sessionLength[group.index[b]]) : MAX_SESSION_LENGTH;
      scoreHidden[b] = challenge ? 1 : 0;
    }
    if (this.native) {
      const failed = this.native.encode(batch, group.blocks, group.index, knownLimit, scoreHidden, true);
      // The one error it finds (an unknown track while data.unknownTracks is error) is worded by session(), which throws.
      if (failed >= 0) {
        this.session(batch, failed, group.blocks[failed], group.index[failed], knownLimit[failed], true);
        throw new Error(`the native batch encoder refused session ${group.blocks[failed].ids[group.index[failed]]}, which the JavaScript encoder takes`);
      }
      for (let b = 0; b < B; b++) batch.sessionIds[b] = group.blocks[b].ids[group.index[b]];
    } else {
      for (let b = 0; b < B; b++) this.session(batch, b, group.blocks[b], group.index[b], knownLimit[b], scoreHidden[b] === 1);
    }
    return batch;
  }

  /**
   * Session s of `block` into row b of `batch`: its first `knownLimit` positions known; with `scoreHidden` only the
   * positions after the known ones are scored (challenge), else every present one; `labels` false leaves labels 0.
   */
  session(batch: Batch, b: number, block: SessionBlock, s: number, knownLimit: number, scoreHidden: boolean, labels = true): void {
    const T = MAX_SESSION_LENGTH;
    const { slotRow, trackRows } = this;
    const start = s === 0 ? 0 : block.rowEnd[s - 1];
    const end = block.rowEnd[s];
    slotRow.fill(-1);
    let nSlots = 0;
    for (let i = start; i < end; i++) {
      const p = block.position[i];
      if (p < 1 || p > T) continue;
      slotRow[p - 1] = i; // a repeated position: the later row wins
      if (p > nSlots) nSlots = p;
    }
    const length = block.sessionLength[s];
    const nKnown = Math.min(nSlots, knownLimit);
    const maskFrom = scoreHidden ? nKnown : 0;
    const extraRows = this.extraRowsOf(block);
    const unknownIsError = this.ctx.config.data.unknownTracks === 'error';
    const at = b * T;
    for (let t = 0; t < nSlots; t++) {
      const i = slotRow[t];
      if (i < 0) {
        trackRows[t] = -1; // a dropped row: no track, nothing known, nothing scored
        continue;
      }
      const v = block.trackRow[i];
      const row = v >= 0 ? v : extraRows[-1 - v];
      if (row < 0 && unknownIsError) {
        throw new DataError(
          `unknown track id '${trackIdAt(block, i, this.ctx.tracks)}' at session_position ${t + 1} of session ${block.ids[s]} (set data.unknownTracks: zeros to use all-zero features)`,
          sessionSource(block, s),
        );
      }
      trackRows[t] = row;
      batch.trackIndex[at + t] = row >= 0 ? this.keys[row] : -1;
      batch.present[at + t] = 1;
      if (t < nKnown) batch.known[at + t] = 1;
      const f = block.flags[i];
      if (labels) {
        const aux = (at + t) * 4;
        if (f & SKIP1) batch.auxLabels[aux] = 1;
        if (f & SKIP2) batch.auxLabels[aux + 1] = 1;
        if (f & SKIP3) batch.auxLabels[aux + 2] = 1;
        if (f & NOT_SKIPPED) batch.auxLabels[aux + 3] = 1;
        batch.reasonEnd[at + t] = Math.min((block.categories[i] >> 8) & 0xf, REASONS_END.length);
        if (f & this.labelBit) batch.labels[at + t] = 1;
      }
      if (t >= maskFrom) batch.mask[at + t] = 1;
    }
    batch.sessionIds[b] = block.ids[s];
    batch.lengths[b] = length;
    this.touchTracks(nSlots);
    encodeSession(batch.inputs, at * INPUT_FEATURES, this.ctx.tracks, this.ctx.norm, block, slotRow, trackRows, nSlots, nKnown, length);
  }

  /** Rows are read first, all at once, so the track table's cache misses overlap instead of queueing. */
  private touchTracks(nSlots: number): void {
    const { features, width } = this.ctx.tracks;
    let sum = 0;
    for (let t = 0; t < nSlots; t++) {
      const row = this.trackRows[t];
      if (row >= 0) sum += features[row * width] + features[row * width + width - 1];
    }
    this.touched = sum;
  }

  private extraRowsOf(block: SessionBlock): Int32Array {
    let rows = this.extraRows.get(block);
    if (!rows) this.extraRows.set(block, (rows = Int32Array.from(block.extraTrackIds, (id) => this.ctx.tracks.index.get(id) ?? -1)));
    return rows;
  }
}

// The batch encoder as it was before batches came straight from the columns (one LogRow object per row, one
// Session per session), kept as the reference the column encoder must equal bit for bit
// (test/unit/data/batchesFromColumns.test.ts). Its sessions come in as Session objects; the rest is the old code.
import * as assert from 'uvu/assert';
import { DataError } from '../../src/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { emptyBatch, type DataContext, type View } from '../../src/data/batch/batches.ts';
import { knownRows } from '../../src/data/format/challenge.ts';
import { CONTEXT_TYPES, LABELS, MAX_SESSION_LENGTH, REASONS_END, REASONS_START, TRACK_FEATURES } from '../../src/data/format/columns.ts';
import { INPUT_FEATURES, inputFeatureNames, weekdayOf, type Normaliser } from '../../src/data/batch/features.ts';
import { trackKeys } from '../../src/data/format/trackKey.ts';
import type { Batch, ChallengeSession, LogRow, Session, TrackTable } from '../../src/data/format/types.ts';

const N_TRACK = TRACK_FEATURES.length;
const ACOUSTIC_FIRST = TRACK_FEATURES.indexOf('acoustic_vector_0');
const N_ACOUSTIC = 8;

/** Offsets of the input vector's blocks, from the feature names (name or name.i). */
const OFFSET: Record<string, number> = {};
inputFeatureNames().forEach((name, i) => {
  const block = name.startsWith('track.') ? 'track' : name.replace(/\.\d+$/, '');
  OFFSET[block] ??= i;
});

const clip = (x: number) => (x > 5 ? 5 : x < -5 ? -5 : x);
const isSkip = (r: LogRow) => r.skip2;

/**
 * Encode one session into `out` starting at `offset` (MAX_SESSION_LENGTH × F floats; positions past the session
 * stay zero). `trackRows[t]` is the track-table row of position t+1 (-1 unknown), one per present position;
 * `known[t]` is the row of position t+1 when it is known (undefined for a row the reader dropped): its pre-play
 * context and, for later positions, its outcomes are visible. The per-position view passes every row as known; the
 * challenge view the first ⌊L/2⌋.
 */
function encodeSession(
  out: Float32Array,
  offset: number,
  tracks: TrackTable,
  norm: Normaliser,
  trackRows: ArrayLike<number>,
  known: readonly (LogRow | undefined)[],
  length: number,
): void {
  const F = INPUT_FEATURES;
  const T = Math.min(trackRows.length, MAX_SESSION_LENGTH);
  const listened = new Float32Array(N_ACOUSTIC);
  const skipped = new Float32Array(N_ACOUSTIC);
  let nListened = 0;
  let nSkipped = 0;
  let nSkips = 0;
  let nHist = 0; // known rows before t
  let lastKnown: LogRow | undefined;
  for (let t = 0; t < T; t++) {
    const o = offset + t * F;
    const trackRow = trackRows[t];
    // (a) track of t
    if (trackRow >= 0) {
      const base = trackRow * tracks.width;
      for (let i = 0; i < N_TRACK; i++) out[o + OFFSET.track + i] = clip((tracks.features[base + i] - norm.mean[i]) * norm.invStd[i]);
    } else {
      out[o + OFFSET.trackUnknown] = 1;
    }
    const pos = t + 1;
    out[o + OFFSET.position] = pos / MAX_SESSION_LENGTH;
    out[o + OFFSET.length] = length / MAX_SESSION_LENGTH;
    out[o + OFFSET.remaining] = (length - pos) / MAX_SESSION_LENGTH;
    // Only a session shorter than the cap surely ends here: one of length 20 may have been cut there (the data keeps
    // at most 20 tracks), and its last track is skipped as often as any other.
    out[o + OFFSET.isLast] = pos === length && length < MAX_SESSION_LENGTH ? 1 : 0;
    // (b) pre-play context of t, for known rows only
    const r = t < known.length ? known[t] : undefined;
    if (r) {
      out[o + OFFSET.contextKnown] = 1;
      out[o + OFFSET.premium] = r.premium ? 1 : 0;
      out[o + OFFSET.shuffle] = r.shuffle ? 1 : 0;
      out[o + OFFSET.contextSwitch] = r.contextSwitch ? 1 : 0;
      out[o + OFFSET.noPause] = r.noPause ? 1 : 0;
      out[o + OFFSET.shortPause] = r.shortPause ? 1 : 0;
      out[o + OFFSET.longPause] = r.longPause ? 1 : 0;
      out[o + OFFSET.contextType + Math.min(r.contextType, CONTEXT_TYPES.length)] = 1;
      out[o + OFFSET.reasonStart + Math.min(r.reasonStart, REASONS_START.length)] = 1;
      out[o + OFFSET.hourSin] = Math.sin((2 * Math.PI * r.hour) / 24);
      out[o + OFFSET.hourCos] = Math.cos((2 * Math.PI * r.hour) / 24);
      const wd = weekdayOf(r.date);
      if (wd >= 0) out[o + OFFSET.weekday + wd] = 1;
    }
    // (c) outcomes of t-1
    const p = t >= 1 && t - 1 < known.length ? known[t - 1] : undefined;
    if (p) {
      out[o + OFFSET.prevKnown] = 1;
      out[o + OFFSET.prevSkip1] = p.skip1 ? 1 : 0;
      out[o + OFFSET.prevSkip2] = p.skip2 ? 1 : 0;
      out[o + OFFSET.prevSkip3] = p.skip3 ? 1 : 0;
      out[o + OFFSET.prevNotSkipped] = p.notSkipped ? 1 : 0;
      out[o + OFFSET.prevReasonEnd + Math.min(p.reasonEnd, REASONS_END.length)] = 1;
      out[o + OFFSET.prevSeekFwd] = Math.log1p(p.seekFwd);
      out[o + OFFSET.prevSeekBack] = Math.log1p(p.seekBack);
    }
    // (c) history summaries: known rows 0..t-1 (accumulated below, after this position is written)
    out[o + OFFSET.historyCount] = nHist / MAX_SESSION_LENGTH;
    out[o + OFFSET.historySkipRate] = nHist ? nSkips / nHist : 0.5;
    out[o + OFFSET.lastKnownSkip] = lastKnown ? (isSkip(lastKnown) ? 1 : 0) : 0.5;
    // similarities use the standardised acoustic vector just written, so a common offset doesn't dominate
    const acoustic = o + OFFSET.track + ACOUSTIC_FIRST;
    if (trackRow >= 0) {
      out[o + OFFSET.simToListened] = nListened ? cosine(out, acoustic, listened) : 0;
      out[o + OFFSET.simToSkipped] = nSkipped ? cosine(out, acoustic, skipped) : 0;
    }
    // fold row t into the history if its outcome is known
    if (r) {
      nHist++;
      lastKnown = r;
      const skip = isSkip(r);
      if (skip) nSkips++;
      if (trackRow >= 0) {
        const acc = skip ? skipped : listened;
        for (let i = 0; i < N_ACOUSTIC; i++) acc[i] += out[acoustic + i];
        if (skip) nSkipped++;
        else nListened++;
      }
    }
  }
}

/** Cosine between v[base .. base+8) and a summed vector (scale-free, so the sum needs no division). */
function cosine(features: Float32Array, base: number, sum: Float32Array): number {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < N_ACOUSTIC; i++) {
    const x = features[base + i];
    dot += x * sum[i];
    a += x * x;
    b += sum[i] * sum[i];
  }
  return a > 0 && b > 0 ? dot / Math.sqrt(a * b) : 0;
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

/** The old trainBatches over a stream of the split's sessions (the caller filters days and the split). */
export async function* referenceTrainBatches(
  ctx: DataContext,
  splitSessions: AsyncIterable<Session>,
  opts: { epoch: number; seed: number; view: View; skipBatches?: number },
): AsyncIterable<Batch> {
  const { train, data } = ctx.config;
  const rng = Rng.derive(opts.seed, 'shuffle', opts.epoch);
  const sessions = shuffleBuffer(splitSessions, data.shuffleBuffer, rng);
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
    yield referenceSessionsToBatch(ctx, group, views);
  }
}


/** The old evalBatches over a stream of sessions in file order. */
export async function* referenceEvalBatches(ctx: DataContext, sessions: AsyncIterable<Session>, view: View, size: number): AsyncIterable<Batch> {
  for await (const group of inGroups(sessions, size)) yield referenceSessionsToBatch(ctx, group, view);
}

/** Batches of challenge test sessions (predict): known first half, hidden second half with track ids only. */
export async function* referenceChallengeBatches(
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
export function referenceSessionsToBatch(ctx: DataContext, sessions: Session[], views: View | readonly View[]): Batch {
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
      batch.reasonEnd[i] = Math.min(r.reasonEnd, REASONS_END.length);
      batch.mask[i] = view === 'challenge' && t < nKnown ? 0 : 1;
    });
  });
  return batch;
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

/** Every array of two batch lists equal bit for bit, naming the first batch, field and element that differ. */
export function assertSameBatches(got: Batch[], want: Batch[], what: string): void {
  assert.is(got.length, want.length, `${what}: batch count`);
  got.forEach((b, i) => {
    for (const key of Object.keys(want[i]) as (keyof Batch)[]) {
      const [g, w] = [b[key], want[i][key]];
      if (!ArrayBuffer.isView(w) || !ArrayBuffer.isView(g)) {
        assert.equal(g, w, `${what}: batch ${i}, ${key}`);
        continue;
      }
      const [gb, wb] = [new Uint8Array(g.buffer, g.byteOffset, g.byteLength), new Uint8Array(w.buffer, w.byteOffset, w.byteLength)];
      let at = gb.length === wb.length ? gb.findIndex((x, k) => x !== wb[k]) : 0;
      if (at >= 0) at = Math.floor(at / (w as Float32Array).BYTES_PER_ELEMENT);
      assert.is(at, -1, `${what}: batch ${i}, ${key}: element ${at} is ${(g as Float32Array)[at]}, want ${(w as Float32Array)[at]}`);
    }
  });
}

// The per-position input vector: what the model may know when track t is about to play.
//
// No label leakage, by construction: every value written for position t comes from (a) track t's features,
// (b) the pre-play context of t — only when t is a known row — and (c) rows < t whose outcomes are known.
// Nothing here reads skip_*, not_skipped, reason_end or seek counts of t itself (test/unit/data/features.test.ts
// proves it by permuting them). In the challenge view rows after ⌊L/2⌋ are hidden: they contribute their track and position only.
import { CONTEXT_TYPES, REASONS_END, REASONS_START, TRACK_FEATURES, MAX_SESSION_LENGTH } from './columns.ts';
import type { FeatureStats, LogRow, TrackTable } from './types.ts';

const N_TRACK = TRACK_FEATURES.length;
const ACOUSTIC_FIRST = TRACK_FEATURES.indexOf('acoustic_vector_0');
const N_ACOUSTIC = 8;

/** Blocks of the input vector, in order, with their widths. */
const LAYOUT: [string, number][] = [
  // (a) the track of t
  ['track', N_TRACK], // standardised track features (zeros when unknown)
  ['trackUnknown', 1],
  // position in the session: always known (the challenge's input files give it)
  ['position', 1], // position / 20
  ['length', 1], // session_length / 20
  ['remaining', 1], // (length - position) / 20
  ['isLast', 1], // the session ends at this track (length < 20: a session of 20 may go on)
  // (b) pre-play context of t: only for known rows
  ['contextKnown', 1],
  ['premium', 1],
  ['shuffle', 1],
  ['contextSwitch', 1],
  ['noPause', 1],
  ['shortPause', 1],
  ['longPause', 1],
  ['contextType', CONTEXT_TYPES.length + 1],
  ['reasonStart', REASONS_START.length + 1],
  ['hourSin', 1],
  ['hourCos', 1],
  ['weekday', 7],
  // (c) outcomes of t-1, when t-1 is known
  ['prevKnown', 1],
  ['prevSkip1', 1],
  ['prevSkip2', 1],
  ['prevSkip3', 1],
  ['prevNotSkipped', 1],
  ['prevReasonEnd', REASONS_END.length + 1],
  ['prevSeekFwd', 1], // log1p
  ['prevSeekBack', 1],
  // (c) summaries of the known history before t
  ['historyCount', 1], // known rows before t / 20
  ['historySkipRate', 1], // skip_2 rate over known rows before t (0.5 when none)
  ['lastKnownSkip', 1], // skip_2 of the last known row before t (0.5 when none)
  ['simToListened', 1], // cosine(acoustic vector of t, mean acoustic vector of known listened tracks before t)
  ['simToSkipped', 1], // same against known skipped tracks
];

const OFFSET: Record<string, number> = {};
let width = 0;
for (const [name, w] of LAYOUT) {
  OFFSET[name] = width;
  width += w;
}
export const INPUT_FEATURES = width;

export function inputFeatureCount(): number {
  return INPUT_FEATURES;
}

export function inputFeatureNames(): string[] {
  const names: string[] = [];
  for (const [name, w] of LAYOUT) {
    if (name === 'track') names.push(...TRACK_FEATURES.map((f) => `track.${f}`));
    else if (w === 1) names.push(name);
    else for (let i = 0; i < w; i++) names.push(`${name}.${i}`);
  }
  return names;
}

/** Standardisation constants as typed arrays (std 0 → 1, so constant features become 0 rather than NaN). */
export interface Normaliser {
  mean: Float32Array;
  invStd: Float32Array;
}

export function makeNormaliser(stats: FeatureStats): Normaliser {
  const mean = new Float32Array(N_TRACK);
  const invStd = new Float32Array(N_TRACK);
  for (let i = 0; i < N_TRACK; i++) {
    const m = stats.mean[i];
    const s = stats.std[i];
    mean[i] = Number.isFinite(m) ? m : 0;
    invStd[i] = Number.isFinite(s) && s > 1e-12 ? 1 / s : 1;
  }
  return { mean, invStd };
}

const weekdayCache = new Map<string, number>();
/** 0 = Monday … 6 = Sunday; -1 when the date does not parse. */
export function weekdayOf(date: string): number {
  let w = weekdayCache.get(date);
  if (w === undefined) {
    const ms = Date.parse(`${date}T00:00:00Z`);
    w = Number.isFinite(ms) ? (new Date(ms).getUTCDay() + 6) % 7 : -1;
    if (weekdayCache.size < 10_000) weekdayCache.set(date, w);
  }
  return w;
}

const clip = (x: number) => (x > 5 ? 5 : x < -5 ? -5 : x);
const isSkip = (r: LogRow) => r.skip2;

/**
 * Encode one session into `out` starting at `offset` (MAX_SESSION_LENGTH × F floats; positions past the session
 * stay zero). `trackRows[t]` is the track-table row of position t+1 (-1 unknown), one per present position;
 * `known[t]` is the row of position t+1 when it is known (undefined for a row the reader dropped): its pre-play
 * context and, for later positions, its outcomes are visible. The per-position view passes every row as known; the
 * challenge view the first ⌊L/2⌋.
 */
export function encodeSession(
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

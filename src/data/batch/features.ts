// The per-position input vector: what the model may know when track t is about to play.
//
// No label leakage, by construction: every value written for position t comes from (a) track t's features,
// (b) the pre-play context of t — only when t is a known row — and (c) rows < t whose outcomes are known.
// Nothing here reads skip_*, not_skipped, reason_end or seek counts of t itself (test/unit/data/features.test.ts
// proves it by permuting them). In the challenge view rows after ⌊L/2⌋ are hidden: they contribute their track and position only.
import { CONTEXT_TYPES, REASONS_END, REASONS_START, TRACK_FEATURES, MAX_SESSION_LENGTH } from '../format/columns.ts';
import { CONTEXT_SWITCH, LONG_PAUSE, NO_PAUSE, NOT_SKIPPED, PREMIUM, SHORT_PAUSE, SHUFFLE, SKIP1, SKIP2, SKIP3, type SessionBlock } from '../format/block.ts';
import type { FeatureStats, TrackTable } from '../format/types.ts';

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

// Offsets as constants, so the encoder's stores need no property lookups.
const OFF_TRACK = OFFSET.track;
const OFF_TRACK_UNKNOWN = OFFSET.trackUnknown;
const OFF_POSITION = OFFSET.position;
const OFF_LENGTH = OFFSET.length;
const OFF_REMAINING = OFFSET.remaining;
const OFF_IS_LAST = OFFSET.isLast;
const OFF_CONTEXT_KNOWN = OFFSET.contextKnown;
const OFF_PREMIUM = OFFSET.premium;
const OFF_SHUFFLE = OFFSET.shuffle;
const OFF_CONTEXT_SWITCH = OFFSET.contextSwitch;
const OFF_NO_PAUSE = OFFSET.noPause;
const OFF_SHORT_PAUSE = OFFSET.shortPause;
const OFF_LONG_PAUSE = OFFSET.longPause;
const OFF_CONTEXT_TYPE = OFFSET.contextType;
const OFF_REASON_START = OFFSET.reasonStart;
const OFF_HOUR_SIN = OFFSET.hourSin;
const OFF_HOUR_COS = OFFSET.hourCos;
const OFF_WEEKDAY = OFFSET.weekday;
const OFF_PREV_KNOWN = OFFSET.prevKnown;
const OFF_PREV_SKIP1 = OFFSET.prevSkip1;
const OFF_PREV_SKIP2 = OFFSET.prevSkip2;
const OFF_PREV_SKIP3 = OFFSET.prevSkip3;
const OFF_PREV_NOT_SKIPPED = OFFSET.prevNotSkipped;
const OFF_PREV_REASON_END = OFFSET.prevReasonEnd;
const OFF_PREV_SEEK_FWD = OFFSET.prevSeekFwd;
const OFF_PREV_SEEK_BACK = OFFSET.prevSeekBack;
const OFF_HISTORY_COUNT = OFFSET.historyCount;
const OFF_HISTORY_SKIP_RATE = OFFSET.historySkipRate;
const OFF_LAST_KNOWN_SKIP = OFFSET.lastKnownSkip;
const OFF_SIM_TO_LISTENED = OFFSET.simToListened;
const OFF_SIM_TO_SKIPPED = OFFSET.simToSkipped;

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

/** Weekday of each of a block's dates, computed once per block. */
const weekdaysOf = new WeakMap<SessionBlock, Int8Array>();
export function blockWeekdays(block: SessionBlock): Int8Array {
  let w = weekdaysOf.get(block);
  if (!w) weekdaysOf.set(block, (w = Int8Array.from(block.dates, weekdayOf)));
  return w;
}

/** Sums of the acoustic vectors of the known listened and skipped tracks so far (scratch of encodeSession). */
const LISTENED = new Float32Array(N_ACOUSTIC);
const SKIPPED = new Float32Array(N_ACOUSTIC);
const HOUR_SIN = Float64Array.from({ length: 256 }, (_, h) => Math.sin((2 * Math.PI * h) / 24));
const HOUR_COS = Float64Array.from({ length: 256 }, (_, h) => Math.cos((2 * Math.PI * h) / 24));
const N_CONTEXT = CONTEXT_TYPES.length;
const N_REASON_START = REASONS_START.length;
const N_REASON_END = REASONS_END.length;

/**
 * What the C encoder (native/batchEncoder.c) takes of this file's rules: the layout's offsets by name, its sizes,
 * and the tables of the values JavaScript computes with functions C's libm may round differently (log1p of a seek
 * count, sin and cos of an hour), so that both encoders write the same floats. Made once: every encoder shares them.
 */
export interface EncoderRules {
  offsets: Record<string, number>;
  sizes: Record<string, number>;
  log1p: Float32Array;
  hourSin: Float32Array;
  hourCos: Float32Array;
}
let rules: EncoderRules | undefined;
export function encoderRules(): EncoderRules {
  return (rules ??= {
    offsets: OFFSET,
    sizes: {
      features: INPUT_FEATURES,
      maxLength: MAX_SESSION_LENGTH,
      trackFeatures: N_TRACK,
      acousticFirst: ACOUSTIC_FIRST,
      acoustic: N_ACOUSTIC,
      contextTypes: N_CONTEXT,
      reasonsStart: N_REASON_START,
      reasonsEnd: N_REASON_END,
    },
    log1p: Float32Array.from({ length: 65536 }, (_, k) => Math.log1p(k)),
    hourSin: Float32Array.from(HOUR_SIN),
    hourCos: Float32Array.from(HOUR_COS),
  });
}

/**
 * Encode one session of a block into `out` starting at `offset` (MAX_SESSION_LENGTH × F floats; positions past the
 * session stay zero), straight from the block's columns. `slotRow[t]` is the block row at position t+1 (-1 for a row
 * the reader dropped), for t < nSlots; `trackRows[t]` its track-table row (-1 unknown). The first `nKnown` positions
 * are known: their pre-play context and, for later positions, their outcomes are visible. The per-position view
 * knows every row; the challenge view the first ⌊L/2⌋.
 */
export function encodeSession(
  out: Float32Array,
  offset: number,
  tracks: TrackTable,
  norm: Normaliser,
  block: SessionBlock,
  slotRow: Int32Array,
  trackRows: Int32Array,
  nSlots: number,
  nKnown: number,
  length: number,
): void {
  const F = INPUT_FEATURES;
  const T = Math.min(nSlots, MAX_SESSION_LENGTH);
  const { flags, categories, hour, date, seekFwd, seekBack } = block;
  const weekdays = blockWeekdays(block);
  const features = tracks.features;
  const tableWidth = tracks.width;
  const { mean, invStd } = norm;
  const listened = LISTENED.fill(0);
  const skipped = SKIPPED.fill(0);
  let nListened = 0;
  let nSkipped = 0;
  let nSkips = 0;
  let nHist = 0; // known rows before t
  let lastKnownSkip = -1; // skip_2 of the last known row before t (-1: none)
  let prev = -1; // block row of t-1 when it is known
  for (let t = 0; t < T; t++) {
    const o = offset + t * F;
    const trackRow = trackRows[t];
    // (a) track of t
    if (trackRow >= 0) {
      const base = trackRow * tableWidth;
      for (let i = 0; i < N_TRACK; i++) out[o + OFF_TRACK + i] = clip((features[base + i] - mean[i]) * invStd[i]);
    } else {
      out[o + OFF_TRACK_UNKNOWN] = 1;
    }
    const pos = t + 1;
    out[o + OFF_POSITION] = pos / MAX_SESSION_LENGTH;
    out[o + OFF_LENGTH] = length / MAX_SESSION_LENGTH;
    out[o + OFF_REMAINING] = (length - pos) / MAX_SESSION_LENGTH;
    // Only a session shorter than the cap surely ends here: one of length 20 may have been cut there (the data keeps
    // at most 20 tracks), and its last track is skipped as often as any other.
    out[o + OFF_IS_LAST] = pos === length && length < MAX_SESSION_LENGTH ? 1 : 0;
    // (b) pre-play context of t, for known rows only
    const r = t < nKnown ? slotRow[t] : -1;
    // Booleans and one-hots: only the ones are stored (the batch starts zeroed).
    if (r >= 0) {
      const f = flags[r];
      const c = categories[r];
      out[o + OFF_CONTEXT_KNOWN] = 1;
      if (f & PREMIUM) out[o + OFF_PREMIUM] = 1;
      if (f & SHUFFLE) out[o + OFF_SHUFFLE] = 1;
      if (f & CONTEXT_SWITCH) out[o + OFF_CONTEXT_SWITCH] = 1;
      if (f & NO_PAUSE) out[o + OFF_NO_PAUSE] = 1;
      if (f & SHORT_PAUSE) out[o + OFF_SHORT_PAUSE] = 1;
      if (f & LONG_PAUSE) out[o + OFF_LONG_PAUSE] = 1;
      out[o + OFF_CONTEXT_TYPE + Math.min(c & 0xf, N_CONTEXT)] = 1;
      out[o + OFF_REASON_START + Math.min((c >> 4) & 0xf, N_REASON_START)] = 1;
      out[o + OFF_HOUR_SIN] = HOUR_SIN[hour[r]];
      out[o + OFF_HOUR_COS] = HOUR_COS[hour[r]];
      const wd = weekdays[date[r]];
      if (wd >= 0) out[o + OFF_WEEKDAY + wd] = 1;
    }
    // (c) outcomes of t-1
    if (prev >= 0) {
      const f = flags[prev];
      out[o + OFF_PREV_KNOWN] = 1;
      if (f & SKIP1) out[o + OFF_PREV_SKIP1] = 1;
      if (f & SKIP2) out[o + OFF_PREV_SKIP2] = 1;
      if (f & SKIP3) out[o + OFF_PREV_SKIP3] = 1;
      if (f & NOT_SKIPPED) out[o + OFF_PREV_NOT_SKIPPED] = 1;
      out[o + OFF_PREV_REASON_END + Math.min((categories[prev] >> 8) & 0xf, N_REASON_END)] = 1;
      if (seekFwd[prev]) out[o + OFF_PREV_SEEK_FWD] = Math.log1p(seekFwd[prev]);
      if (seekBack[prev]) out[o + OFF_PREV_SEEK_BACK] = Math.log1p(seekBack[prev]);
    }
    // (c) history summaries: known rows 0..t-1 (accumulated below, after this position is written)
    out[o + OFF_HISTORY_COUNT] = nHist / MAX_SESSION_LENGTH;
    out[o + OFF_HISTORY_SKIP_RATE] = nHist ? nSkips / nHist : 0.5;
    out[o + OFF_LAST_KNOWN_SKIP] = lastKnownSkip >= 0 ? lastKnownSkip : 0.5;
    // similarities use the standardised acoustic vector just written, so a common offset doesn't dominate
    const acoustic = o + OFF_TRACK + ACOUSTIC_FIRST;
    if (trackRow >= 0) {
      out[o + OFF_SIM_TO_LISTENED] = nListened ? cosine(out, acoustic, listened) : 0;
      out[o + OFF_SIM_TO_SKIPPED] = nSkipped ? cosine(out, acoustic, skipped) : 0;
    }
    // fold row t into the history if its outcome is known
    prev = r;
    if (r >= 0) {
      nHist++;
      const skip = (flags[r] & SKIP2) !== 0; // the history's skips are skip_2, whatever the label
      lastKnownSkip = skip ? 1 : 0;
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

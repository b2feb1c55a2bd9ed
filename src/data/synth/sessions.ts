// The synthetic listening sessions: one pass per session, position by position, following the generative model
// described at the top of src/data/synth/index.ts. Every number here is either a published statistic (profile section
// named) or a free parameter tuned so that the published statistics come out (see
// test/unit/data/synth/calibration.test.ts).
import { CONTEXT_TYPES, MAX_SESSION_LENGTH, REASONS_END, REASONS_START } from '../format/columns.ts';
import type { LogRow, Session } from '../format/types.ts';
import { Rng } from '../../util/rng.ts';
import { dayAfter, sampleCumulative, sigmoid, uuidLike } from './distributions.ts';
import { STYLE_DIMS, type SynthCatalog } from './tracks.ts';

/** Session lengths 10..20, full-data shares (profile §1.1). */
const LENGTH_SHARES = [8.824, 7.693, 6.729, 5.878, 5.17, 4.533, 3.997, 3.522, 3.136, 2.783, 47.736];
/** Row shares of context_type in CONTEXT_TYPES order (profile §1.2, mini). */
const CONTEXT_SHARES = [21.24, 40.17, 22.79, 12.57, 1.77, 1.45];
/** Session-start hour weights (profile §1.4 histogram, read by eye; 22+23 split from the merged last bar). */
const HOUR_WEIGHTS = [
  5.7, 4.1, 2.9, 2.3, 1.5, 1.3, 1.7, 2.4, 3.4, 5.5, 7.5, 8.2, 9.7, 10.6, 11.6, 11.5, 11.6, 10.9, 10.2, 9.4, 9.3, 9.9, 8.6, 7.4,
];
const PREMIUM_SHARE = 0.8163;
const SHUFFLE_SHARE = 0.31;

/** The four behaviour types of Meggetto et al. (2021); their shares move with context, length and hour. */
export const SESSION_TYPES = ['listener', 'listen-then-skip', 'skip-then-listen', 'skipper'] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

export const PARAMS = {
  typeShares: [0.34, 0.17, 0.14, 0.35],
  /** Base skip logit of a type before and after its change point (listener/skipper have none). */
  typeLogit: {
    listener: [-1.5, -1.5],
    'listen-then-skip': [-1.4, 1.6],
    'skip-then-listen': [1.6, -1.4],
    skipper: [1.7, 1.7],
  } as Record<SessionType, [number, number]>,
  /** Shifts every logit: sets the overall skip_2 rate (profile §2.1: ~51%). */
  baseLogit: -0.03,
  /** Spread of a session's own intercept around its type. */
  sessionSpread: 0.9,
  /**
   * Persistence of the listening mode: added when the previous track was ended by a button (fwdbtn/backbtn: the
   * user is actively steering), subtracted when it played out (trackdone). It follows the button rather than the
   * skip_2 label, as in the data (profile §2.5: skip_2 ≈ 76% after fwdbtn starts, ≈ 16% after trackdone).
   */
  persistence: 1.5,
  /** Taste: logit = -tasteWeight * (u · style) / sqrt(STYLE_DIMS), u ~ N(0, I) per session. */
  tasteWeight: 2.2,
  /** Per-track appeal enters the logit with this sign and weight (appeal > 0 = skipped less). */
  appealWeight: 1,
  /** Logit offsets by position 1, 2, 3 (a fresh start is listened to; profile §2.2). */
  positionLogit: [-0.9, 0, 0],
  /** The last track of a session that ended before 20 tracks: played out more often (profile §2.2, 40% vs 54%). */
  sessionEndLogit: -2.8,
  /** Offsets by context_type in CONTEXT_TYPES order (profile §5.2). */
  contextLogit: [0, 0.12, -0.25, 0.12, -0.35, 0.05],
  /** Hour offsets: early-morning listening is calmer (profile §5.2: low at 6h and 9h). */
  hourLogit: (hour: number) => (hour >= 5 && hour <= 9 ? -0.15 : hour >= 1 && hour <= 3 ? 0.1 : 0),
  contextSwitchLogit: -1.3,
  longPauseLogit: -0.6,
  shuffleLogit: 0.2,
  premiumLogit: -0.08,
  /**
   * Chance that a position after the first starts a new context (profile §1.4: 4.1% of rows): mostly right after
   * the user stopped the previous track (reason_end endplay) to pick something else.
   */
  contextSwitchRate: 0.015,
  contextSwitchAfterEndplay: 0.35,
  /** Per-position chance that shuffle toggles outside a context switch (12% of sessions have both values). */
  shuffleToggleRate: 0.003,
};

const RE = (name: (typeof REASONS_END)[number]) => REASONS_END.indexOf(name);

/** Weights over REASONS_START for the first track of a session. */
const FIRST_START = weightsFor(REASONS_START, { trackdone: 0.34, fwdbtn: 0.36, clickrow: 0.2, appload: 0.08, playbtn: 0.01, remote: 0.01 });
/** reason_start after a context switch: the user picked something. */
const SWITCH_START = weightsFor(REASONS_START, { clickrow: 0.86, appload: 0.06, playbtn: 0.01, remote: 0.005, fwdbtn: 0.035, trackdone: 0.03 });
/** reason_start(t) given reason_end(t-1): mostly an echo (profile §1.3). */
const START_AFTER_END: number[][] = REASONS_END.map((end) => {
  switch (end) {
    case 'fwdbtn':
      return weightsFor(REASONS_START, { fwdbtn: 0.98, clickrow: 0.013, backbtn: 0.005, trackerror: 0.0015, remote: 0.0005 });
    case 'trackdone':
      return weightsFor(REASONS_START, { trackdone: 0.965, clickrow: 0.025, fwdbtn: 0.006, trackerror: 0.002, appload: 0.002 });
    case 'backbtn':
      return weightsFor(REASONS_START, { backbtn: 0.97, fwdbtn: 0.015, clickrow: 0.015 });
    case 'endplay':
      return weightsFor(REASONS_START, { clickrow: 0.64, appload: 0.07, playbtn: 0.006, trackdone: 0.12, fwdbtn: 0.1, endplay: 0.0015, backbtn: 0.06 });
    case 'logout':
      return weightsFor(REASONS_START, { appload: 0.8, playbtn: 0.1, clickrow: 0.1 });
    case 'remote':
      return weightsFor(REASONS_START, { remote: 0.6, trackdone: 0.2, fwdbtn: 0.2 });
    default:
      return weightsFor(REASONS_START, { clickrow: 0.6, appload: 0.4 });
  }
});

function weightsFor<V extends string>(vocab: readonly V[], w: Partial<Record<V, number>>): number[] {
  return vocab.map((v) => w[v] ?? 0);
}

/** +1 after a button press, −1 after a track played out, 0 after the user stopped or left. */
function modeAfter(previousEnd: number): number {
  if (previousEnd === RE('fwdbtn') || previousEnd === RE('backbtn')) return 1;
  if (previousEnd === RE('trackdone')) return -1;
  return 0;
}

function sampleLength(rng: Rng): number {
  return 10 + rng.choice(LENGTH_SHARES);
}

/** Type shares shift with what a session looks like: long sessions and radio/collection hold more skippers. */
function typeWeights(length: number, context: number, hour: number): number[] {
  const w = PARAMS.typeShares.slice();
  const long = (length - 10) / 10; // 0..1
  w[3] *= 0.85 + 0.3 * long;
  w[0] *= 1.1 - 0.2 * long;
  if (CONTEXT_TYPES[context] === 'catalog' || CONTEXT_TYPES[context] === 'personalized_playlist') w[0] *= 1.3;
  if (CONTEXT_TYPES[context] === 'radio' || CONTEXT_TYPES[context] === 'user_collection') w[3] *= 1.15;
  if (hour >= 22 || hour <= 3) w[2] *= 1.2; // late-night sessions often settle down
  return w;
}

/** Pause flags before play: [no, short, long]. A long pause is usually also flagged short (profile §1.4). */
function samplePauses(rng: Rng, previousEnd: number): [boolean, boolean, boolean] {
  const interrupted = previousEnd === RE('endplay') || previousEnd === RE('logout');
  if (interrupted && rng.bernoulli(0.45)) return rng.bernoulli(0.75) ? [false, true, true] : [false, false, true];
  const r = rng.next();
  if (r < 0.84) return [true, false, false];
  if (r < 0.955) return [false, true, true];
  if (r < 0.985) return [false, false, true];
  if (r < 0.997) return [false, true, false];
  return [false, false, false];
}

function sampleReasonEnd(rng: Rng, skip2: boolean, skip3: boolean, notSkipped: boolean, previousEnd: number): number {
  if (notSkipped) return rng.choice(weightsFor(REASONS_END, { trackdone: 0.99, logout: 0.004, remote: 0.002, endplay: 0.004 }));
  if (!skip3) return rng.choice(weightsFor(REASONS_END, { trackdone: 0.45, endplay: 0.4, fwdbtn: 0.15 }));
  if (!skip2) return rng.choice(weightsFor(REASONS_END, { fwdbtn: 0.73, endplay: 0.22, backbtn: 0.04, logout: 0.01 }));
  // Going back tends to repeat: someone looking for a track presses back several times.
  if (previousEnd === RE('backbtn')) return rng.choice(weightsFor(REASONS_END, { backbtn: 0.62, fwdbtn: 0.33, endplay: 0.05 }));
  return rng.choice(
    weightsFor(REASONS_END, { fwdbtn: 0.8, backbtn: 0.095, endplay: 0.095, logout: 0.003, remote: 0.002, trackdone: 0.004, clickrow: 0.0001 }),
  );
}

/** Seek counts: rare, heavy-tailed (Pareto-like), more seeking back on tracks that were kept. */
function sampleSeeks(rng: Rng, chance: number): number {
  if (!rng.bernoulli(chance)) return 0;
  const u = 1 - rng.next();
  return Math.min(200, 1 + Math.floor((u ** (-1 / 1.2) - 1) * 0.25));
}

/** What the generator knew about a session but did not write: for calibration checks and oracle experiments. */
export interface SessionTruth {
  type: SessionType;
  /** The skip logit of each position as generated (includes the persistence term). */
  logits: number[];
  /** Taste × style term per position (already in logits). */
  tasteTerm: number[];
}

/**
 * One session, fully determined by (seed, id): `date` is the log day (YYYY-MM-DD), rows may cross midnight.
 * Pass `truth` to receive the hidden state.
 */
export function generateSession(catalog: SynthCatalog, seed: number, id: string, date: string, truth?: SessionTruth): Session {
  const rng = Rng.derive(seed, 'session', id);
  const length = sampleLength(rng);
  const premium = rng.bernoulli(PREMIUM_SHARE);
  let context = rng.choice(CONTEXT_SHARES);
  let shuffle = rng.bernoulli(SHUFFLE_SHARE);
  const startHour = rng.choice(HOUR_WEIGHTS);
  let clock = startHour * 3600 + rng.next() * 3600; // seconds since midnight of `date`
  const type = SESSION_TYPES[rng.choice(typeWeights(length, context, startHour))];
  const changeAt = 2 + rng.int(length - 1); // first position of the second phase (2..L)
  const intercept = PARAMS.sessionSpread * rng.normal();
  const taste = new Float64Array(STYLE_DIMS);
  for (let d = 0; d < STYLE_DIMS; d++) taste[d] = rng.normal();

  const rows: LogRow[] = [];
  let previousEnd = -1;
  if (truth) {
    truth.type = type;
    truth.logits = [];
    truth.tasteTerm = [];
  }
  for (let t = 1; t <= length; t++) {
    const contextSwitch =
      t > 1 && rng.bernoulli(previousEnd === RE('endplay') ? PARAMS.contextSwitchAfterEndplay : PARAMS.contextSwitchRate);
    if (contextSwitch) {
      if (rng.bernoulli(0.5)) context = rng.choice(CONTEXT_SHARES);
      if (rng.bernoulli(0.3)) shuffle = rng.bernoulli(SHUFFLE_SHARE);
    } else if (t > 1 && rng.bernoulli(PARAMS.shuffleToggleRate)) shuffle = !shuffle;

    const reasonStart =
      t === 1 ? rng.choice(FIRST_START) : contextSwitch ? rng.choice(SWITCH_START) : rng.choice(START_AFTER_END[previousEnd]);
    const [noPause, shortPause, longPause] = t === 1 ? [false, false, false] : samplePauses(rng, previousEnd);
    if (longPause) clock += 30 + rng.next() * 570;
    else if (shortPause) clock += 5 + rng.next() * 55;
    const dayOffset = Math.floor(clock / 86400);
    const hour = Math.floor((clock % 86400) / 3600);

    const track = sampleCumulative(catalog.playCumulative, rng);
    let tasteDot = 0;
    for (let d = 0; d < STYLE_DIMS; d++) tasteDot += taste[d] * catalog.style[track * STYLE_DIMS + d];
    const tasteTerm = (-PARAMS.tasteWeight * tasteDot) / Math.sqrt(STYLE_DIMS);

    const [before, after] = PARAMS.typeLogit[type];
    let logit = (t < changeAt ? before : after) + PARAMS.baseLogit + intercept + tasteTerm - PARAMS.appealWeight * catalog.appeal[track];
    if (t > 1) logit += PARAMS.persistence * modeAfter(previousEnd);
    if (t <= PARAMS.positionLogit.length) logit += PARAMS.positionLogit[t - 1];
    if (t === length && length < MAX_SESSION_LENGTH) logit += PARAMS.sessionEndLogit;
    logit += PARAMS.contextLogit[context] + PARAMS.hourLogit(hour);
    if (contextSwitch) logit += PARAMS.contextSwitchLogit;
    if (longPause) logit += PARAMS.longPauseLogit;
    if (shuffle) logit += PARAMS.shuffleLogit;
    if (premium) logit += PARAMS.premiumLogit;

    const skip2 = rng.bernoulli(sigmoid(logit));
    // Nesting: skip_1 ⊂ skip_2 ⊂ skip_3; ~1.8% of rows are neither skip_3 nor not_skipped (profile §2.1).
    const skip1 = skip2 && rng.bernoulli(0.816);
    const skip3 = skip2 || rng.bernoulli(0.264);
    const notSkipped = !skip3 && rng.bernoulli(0.95);
    const reasonEnd = sampleReasonEnd(rng, skip2, skip3, notSkipped, previousEnd);
    const seekFwd = sampleSeeks(rng, skip2 ? 0.03 : skip3 ? 0.06 : 0.02);
    const seekBack = sampleSeeks(rng, skip2 ? 0.013 : 0.05);

    rows.push({
      position: t,
      trackId: catalog.ids[track],
      skip1,
      skip2,
      skip3,
      notSkipped,
      contextSwitch,
      noPause,
      shortPause,
      longPause,
      seekFwd,
      seekBack,
      shuffle,
      hour,
      date: dayAfter(date, dayOffset),
      premium,
      contextType: context,
      reasonStart,
      reasonEnd,
    });
    if (truth) {
      truth.logits.push(logit);
      truth.tasteTerm.push(tasteTerm);
    }
    const duration = catalog.features[track * catalog.width]; // duration is the first feature
    clock += skip1 ? 3 + rng.next() * 10 : skip2 ? 13 + rng.next() * 15 : skip3 ? duration * (0.2 + 0.5 * rng.next()) : duration;
    previousEnd = reasonEnd;
  }
  return { id, day: date, length, rows, source: `synth:${id}` };
}

/** Session ids for one log file, sorted as the real files are: "<file>_<uuid-like>". `purpose` keeps test ids apart. */
export function sessionIds(seed: number, date: string, fileIndex: number, count: number, purpose = 'training'): string[] {
  const rng = Rng.derive(seed, 'session-ids', purpose, date, fileIndex);
  const ids: string[] = new Array(count);
  for (let i = 0; i < count; i++) ids[i] = `${fileIndex}_${uuidLike(rng)}`;
  return ids.sort();
}

/** In-memory sessions of one log file (sorted by id): the writer's unit and the tests' source. */
export function* generateSessions(
  catalog: SynthCatalog,
  opts: { seed: number; count: number; date?: string; fileIndex?: number },
): Generator<Session> {
  const date = opts.date ?? '2018-07-15';
  for (const id of sessionIds(opts.seed, date, opts.fileIndex ?? 0, opts.count)) yield generateSession(catalog, opts.seed, id, date);
}

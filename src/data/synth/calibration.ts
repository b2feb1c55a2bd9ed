// Statistics of a set of sessions, in the same terms as the published MSSD figures, so the generator can be
// checked against the published numbers (and real data described the same way).
import { CONTEXT_TYPES, MAX_SESSION_LENGTH, REASONS_END, REASONS_START } from '../format/columns.ts';
import type { Session } from '../format/types.ts';
import { ChallengeScore, firstHiddenPosition } from '../format/challenge.ts';

export interface SessionStats {
  sessions: number;
  rows: number;
  skip1: number;
  skip2: number;
  skip3: number;
  notSkipped: number;
  /** Rows with skip_3 = false and not_skipped = false. */
  neither: number;
  /** skip_2 rate by session_position (index 0 = position 1). */
  skip2ByPosition: number[];
  /** skip_2 rate of each session's last track. */
  lastTrackSkip2: number;
  /** skip_2 rate by session_length 10..20 (index 0 = 10). */
  skip2ByLength: number[];
  /** Share of sessions by length 10..20. */
  lengthShares: number[];
  contextShares: Record<string, number>;
  reasonStartShares: Record<string, number>;
  reasonEndShares: Record<string, number>;
  /** Row shares. */
  premium: number;
  shuffle: number;
  contextSwitch: number;
  noPause: number;
  shortPause: number;
  longPause: number;
  seekFwdAny: number;
  seekBackAny: number;
  seekFwdMean: number;
  seekBackMean: number;
  /** Row shares by hour_of_day. */
  hourShares: number[];
  /** skip_2 rate given the reason_end value. */
  skip2ByReasonEnd: Record<string, number>;
  /** P(skip_2(t) = skip_2(t-1)) over positions t ≥ 2. */
  lag1Agreement: number;
  /** Sessions whose shuffle flag takes both values. */
  sessionsWithShuffleChange: number;
  /** The challenge's "repeat the last known skip_2" baseline. */
  repeatLastMaa: number;
  repeatLastFpa: number;
  /** Plays of the most played track / all plays, and the share of plays on the top 1% of played tracks. */
  topTrackShare: number;
  top1PercentShare: number;
  distinctTracks: number;
}

export function describeSessions(sessions: Iterable<Session>): SessionStats {
  let n = 0;
  let rows = 0;
  const c = { skip1: 0, skip2: 0, skip3: 0, notSkipped: 0, neither: 0, premium: 0, shuffle: 0, contextSwitch: 0 };
  const p = { noPause: 0, shortPause: 0, longPause: 0, seekFwdAny: 0, seekBackAny: 0, seekFwd: 0, seekBack: 0 };
  const posSkip = new Array(MAX_SESSION_LENGTH).fill(0);
  const posCount = new Array(MAX_SESSION_LENGTH).fill(0);
  const lenSkip = new Array(11).fill(0);
  const lenRows = new Array(11).fill(0);
  const lenSessions = new Array(11).fill(0);
  const ctx = new Array(CONTEXT_TYPES.length + 1).fill(0);
  const rs = new Array(REASONS_START.length + 1).fill(0);
  const re = new Array(REASONS_END.length + 1).fill(0);
  const reSkip = new Array(REASONS_END.length + 1).fill(0);
  const hours = new Array(24).fill(0);
  let lastSkip = 0;
  let agree = 0;
  let pairs = 0;
  let shuffleChanged = 0;
  const plays = new Map<string, number>();
  const score = new ChallengeScore();

  for (const s of sessions) {
    n++;
    const L = s.rows.length;
    const li = Math.min(10, Math.max(0, L - 10));
    lenSessions[li]++;
    let sawShuffle = 0;
    s.rows.forEach((r, i) => {
      rows++;
      if (r.skip1) c.skip1++;
      if (r.skip2) c.skip2++;
      if (r.skip3) c.skip3++;
      if (r.notSkipped) c.notSkipped++;
      if (!r.skip3 && !r.notSkipped) c.neither++;
      if (r.premium) c.premium++;
      if (r.shuffle) c.shuffle++;
      sawShuffle |= r.shuffle ? 1 : 2;
      if (r.contextSwitch) c.contextSwitch++;
      if (r.noPause) p.noPause++;
      if (r.shortPause) p.shortPause++;
      if (r.longPause) p.longPause++;
      if (r.seekFwd > 0) p.seekFwdAny++;
      if (r.seekBack > 0) p.seekBackAny++;
      p.seekFwd += r.seekFwd;
      p.seekBack += r.seekBack;
      posCount[r.position - 1]++;
      if (r.skip2) posSkip[r.position - 1]++;
      lenRows[li]++;
      if (r.skip2) lenSkip[li]++;
      ctx[r.contextType]++;
      rs[r.reasonStart]++;
      re[r.reasonEnd]++;
      if (r.skip2) reSkip[r.reasonEnd]++;
      hours[r.hour]++;
      if (i > 0) {
        pairs++;
        if (r.skip2 === s.rows[i - 1].skip2) agree++;
      }
      plays.set(r.trackId, (plays.get(r.trackId) ?? 0) + 1);
    });
    if (sawShuffle === 3) shuffleChanged++;
    if (s.rows[L - 1].skip2) lastSkip++;
    const first = firstHiddenPosition(L);
    const last = s.rows[first - 2].skip2 ? 1 : 0;
    const truth = s.rows.slice(first - 1).map((r) => (r.skip2 ? 1 : 0));
    score.add(truth.map(() => last), truth);
  }

  const share = (counts: number[], vocab: readonly string[]) =>
    Object.fromEntries(vocab.map((v, i) => [v, counts[i] / rows]).concat([['other', counts[vocab.length] / rows]]));
  const counts = [...plays.values()].sort((a, b) => b - a);
  const top1 = counts.slice(0, Math.max(1, Math.round(counts.length / 100))).reduce((a, b) => a + b, 0);
  return {
    sessions: n,
    rows,
    skip1: c.skip1 / rows,
    skip2: c.skip2 / rows,
    skip3: c.skip3 / rows,
    notSkipped: c.notSkipped / rows,
    neither: c.neither / rows,
    skip2ByPosition: posSkip.map((k, i) => k / posCount[i]),
    lastTrackSkip2: lastSkip / n,
    skip2ByLength: lenSkip.map((k, i) => k / lenRows[i]),
    lengthShares: lenSessions.map((k) => k / n),
    contextShares: share(ctx, CONTEXT_TYPES),
    reasonStartShares: share(rs, REASONS_START),
    reasonEndShares: share(re, REASONS_END),
    premium: c.premium / rows,
    shuffle: c.shuffle / rows,
    contextSwitch: c.contextSwitch / rows,
    noPause: p.noPause / rows,
    shortPause: p.shortPause / rows,
    longPause: p.longPause / rows,
    seekFwdAny: p.seekFwdAny / rows,
    seekBackAny: p.seekBackAny / rows,
    seekFwdMean: p.seekFwd / rows,
    seekBackMean: p.seekBack / rows,
    hourShares: hours.map((k) => k / rows),
    skip2ByReasonEnd: Object.fromEntries(REASONS_END.map((v, i) => [v, re[i] ? reSkip[i] / re[i] : NaN])),
    lag1Agreement: agree / pairs,
    sessionsWithShuffleChange: shuffleChanged / n,
    repeatLastMaa: score.maa,
    repeatLastFpa: score.fpa,
    topTrackShare: counts[0] / rows,
    top1PercentShare: top1 / rows,
    distinctTracks: counts.length,
  };
}

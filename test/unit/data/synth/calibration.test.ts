// The synthetic generator against the published MSSD statistics (the README's calibration table).
// 3,000 sessions (~50k rows) are generated in memory. Tolerances are about 3 standard errors at that size (sessions
// are the independent unit, so rates get roughly ±0.006 per standard error), widened where the target itself is
// read from a figure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRACK_FEATURES, REASONS_END, REASONS_START } from '../../../../src/data/format/columns.ts';
import { describeSessions, generateSession, generateSessions, generateTracks, sessionIds } from '../../../../src/data/synth/index.ts';

const catalog = generateTracks(5000, 11);
const sessions = [...generateSessions(catalog, { seed: 11, count: 3000 })];
const stats = describeSessions(sessions);

function near(actual: number, target: number, tolerance: number, what: string) {
  assert.ok(Math.abs(actual - target) <= tolerance, `${what}: ${actual.toFixed(4)} is not ${target} ± ${tolerance}`);
}

test('label rates (profile §2.1)', () => {
  near(stats.skip1, 0.415, 0.02, 'skip_1 rate');
  near(stats.skip2, 0.51, 0.02, 'skip_2 rate');
  near(stats.skip3, 0.639, 0.02, 'skip_3 rate');
  near(stats.notSkipped, 0.344, 0.02, 'not_skipped rate');
  near(stats.neither, 0.018, 0.006, 'rows neither skip_3 nor not_skipped');
});

test('labels nest and reason_end agrees with them', () => {
  const trackdone = REASONS_END.indexOf('trackdone');
  let notSkippedTrackdone = 0;
  let notSkipped = 0;
  for (const s of sessions)
    for (const r of s.rows) {
      assert.ok(!r.skip1 || r.skip2, 'skip_1 ⇒ skip_2');
      assert.ok(!r.skip2 || r.skip3, 'skip_2 ⇒ skip_3');
      assert.ok(!(r.notSkipped && r.skip3), 'not_skipped ⇒ ¬skip_3');
      if (r.notSkipped) {
        notSkipped++;
        if (r.reasonEnd === trackdone) notSkippedTrackdone++;
      }
    }
  assert.ok(notSkippedTrackdone / notSkipped > 0.97, 'not_skipped rows end with trackdone');
  assert.ok(stats.skip2ByReasonEnd.trackdone < 0.02, `skip_2 | trackdone = ${stats.skip2ByReasonEnd.trackdone}`);
  near(stats.skip2ByReasonEnd.fwdbtn, 0.81, 0.05, 'skip_2 | fwdbtn (fig≈)');
  near(stats.skip2ByReasonEnd.backbtn, 0.9, 0.05, 'skip_2 | backbtn (fig≈)');
});

test('skip_2 by position, session end and length (profile §2.2)', () => {
  const p = stats.skip2ByPosition;
  near(p[0], 0.374, 0.035, 'position 1');
  near(p[1], 0.467, 0.035, 'position 2');
  const mid = (p[4] + p[5] + p[6] + p[7] + p[8]) / 5;
  near(mid, 0.528, 0.025, 'positions 5-9');
  near(stats.lastTrackSkip2, 0.404, 0.035, 'last track of a session');
  assert.ok(stats.skip2ByLength[10] - stats.skip2ByLength[0] > 0.05, 'longer sessions are skipped more');
});

test('session lengths, categorical shares, flags (profile §1)', () => {
  near(stats.lengthShares[10], 0.477, 0.03, 'share of L = 20');
  near(stats.lengthShares[0], 0.088, 0.02, 'share of L = 10');
  const early = stats.lengthShares.slice(0, 5).reduce((a, b) => a + b, 0);
  const late = stats.lengthShares.slice(5, 10).reduce((a, b) => a + b, 0);
  near(early / late, 1.91, 0.3, 'geometric decay: shares of L 10-14 over L 15-19');
  near(stats.contextShares.user_collection, 0.402, 0.04, 'user_collection');
  near(stats.contextShares.catalog, 0.228, 0.04, 'catalog');
  near(stats.contextShares.editorial_playlist, 0.212, 0.04, 'editorial_playlist');
  near(stats.contextShares.radio, 0.126, 0.03, 'radio');
  near(stats.reasonStartShares.fwdbtn, 0.476, 0.03, 'reason_start fwdbtn');
  near(stats.reasonStartShares.trackdone, 0.328, 0.03, 'reason_start trackdone');
  near(stats.reasonStartShares.clickrow, 0.104, 0.02, 'reason_start clickrow');
  near(stats.reasonStartShares.backbtn, 0.078, 0.02, 'reason_start backbtn');
  near(stats.reasonEndShares.fwdbtn, 0.485, 0.03, 'reason_end fwdbtn');
  near(stats.reasonEndShares.trackdone, 0.344, 0.03, 'reason_end trackdone');
  near(stats.reasonEndShares.endplay, 0.088, 0.02, 'reason_end endplay');
  near(stats.reasonEndShares.backbtn, 0.078, 0.02, 'reason_end backbtn');
  near(stats.premium, 0.81, 0.03, 'premium');
  near(stats.shuffle, 0.309, 0.04, 'shuffle');
  near(stats.contextSwitch, 0.041, 0.008, 'context_switch');
  near(stats.noPause, 0.768, 0.03, 'no_pause_before_play');
  near(stats.shortPause, 0.147, 0.03, 'short_pause_before_play');
  near(stats.longPause, 0.173, 0.03, 'long_pause_before_play');
  near(stats.seekFwdAny, 0.028, 0.01, 'rows with a forward seek');
  near(stats.seekBackAny, 0.031, 0.01, 'rows with a backward seek');
  near(stats.sessionsWithShuffleChange, 0.12, 0.03, 'sessions whose shuffle flag changes');
});

test('within-session structure: premium constant, reason_start echoes reason_end, no pause flags at position 1', () => {
  const echo = { same: 0, pairs: 0 };
  for (const s of sessions) {
    assert.ok(s.rows.every((r) => r.premium === s.rows[0].premium), 'premium is constant within a session');
    assert.ok(!s.rows[0].noPause && !s.rows[0].shortPause && !s.rows[0].longPause && !s.rows[0].contextSwitch);
    for (let i = 1; i < s.rows.length; i++) {
      echo.pairs++;
      if (REASONS_START[s.rows[i].reasonStart] === REASONS_END[s.rows[i - 1].reasonEnd]) echo.same++;
    }
  }
  assert.ok(echo.same / echo.pairs > 0.85, `reason_start(t) = reason_end(t-1) in ${echo.same / echo.pairs}`);
});

test('hour of day: minimum in the early morning, plateau in the afternoon (profile §1.4)', () => {
  const h = stats.hourShares;
  const argmin = h.indexOf(Math.min(...h));
  assert.ok(argmin >= 4 && argmin <= 6, `least-listened hour ${argmin}`);
  const afternoon = (h[13] + h[14] + h[15] + h[16] + h[17]) / 5;
  assert.ok(afternoon > 1.5 / 24, `afternoon share per hour ${afternoon}`);
  assert.ok(afternoon > 4 * h[5], 'afternoon far above 5h');
});

test('persistence: the repeat-last-skip baseline scores near the published MAA 0.537 / FPA 0.742', () => {
  near(stats.repeatLastMaa, 0.537, 0.025, 'MAA of repeating the last known skip');
  near(stats.repeatLastFpa, 0.742, 0.03, 'first-prediction accuracy of repeating the last known skip');
});

test('track popularity is heavy-tailed (profile §4)', () => {
  assert.ok(stats.topTrackShare > 0.003 && stats.topTrackShare < 0.02, `top track takes ${stats.topTrackShare}`);
  assert.ok(stats.top1PercentShare > 0.1, `top 1% of tracks take ${stats.top1PercentShare}`);
  const plays = new Map<string, number>();
  for (const s of sessions) for (const r of s.rows) plays.set(r.trackId, (plays.get(r.trackId) ?? 0) + 1);
  const rare = [...plays.values()].filter((n) => n <= 2).length / plays.size;
  assert.ok(rare > 0.2, `share of played tracks with at most 2 plays: ${rare}`);
});

test('track features match the tf_mini marginals (profile §3.1)', () => {
  // [mean, std] per track from tf_mini describe(); mean within 0.25 std, std within 30%.
  const targets: Record<string, [number, number]> = {
    duration: [222.27, 72.22],
    release_year: [2010.32, 11.47],
    us_popularity_estimate: [99.455, 1.139],
    acousticness: [0.2503, 0.276],
    beat_strength: [0.4921, 0.1581],
    danceability: [0.6117, 0.1661],
    energy: [0.6414, 0.208],
    instrumentalness: [0.0706, 0.2142],
    loudness: [-7.519, 3.928],
    speechiness: [0.123, 0.136],
    tempo: [121.58, 29.79],
    valence: [0.4878, 0.2464],
    key: [5.269, 3.598],
    acoustic_vector_0: [-0.3323, 0.4163],
    acoustic_vector_3: [-0.0405, 0.3331],
  };
  const n = catalog.ids.length;
  const column = (name: string) => {
    const j = TRACK_FEATURES.indexOf(name as (typeof TRACK_FEATURES)[number]);
    return Array.from({ length: n }, (_, i) => catalog.features[i * catalog.width + j]);
  };
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const std = (a: number[]) => {
    const m = mean(a);
    return Math.sqrt(mean(a.map((x) => (x - m) ** 2)));
  };
  for (const [name, [m, s]] of Object.entries(targets)) {
    const values = column(name);
    near(mean(values), m, 0.25 * s, `${name} mean`);
    near(std(values), s, 0.3 * s, `${name} std`);
  }
  near(mean(column('mode')), 0.642, 0.02, 'share of major mode');
  const ts = column('time_signature');
  near(ts.filter((v) => v === 4).length / n, 0.898, 0.02, 'time_signature 4');
  assert.ok(ts.every((v) => [0, 1, 3, 4, 5].includes(v)), 'time_signature in {0,1,3,4,5}');
  assert.ok(column('key').every((v) => Number.isInteger(v) && v >= 0 && v <= 11), 'key in 0..11');
  const corr = (a: number[], b: number[]) => {
    const ma = mean(a);
    const mb = mean(b);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] - ma) * (b[i] - mb);
    return s / n / std(a) / std(b);
  };
  assert.ok(corr(column('beat_strength'), column('bounciness')) > 0.8, 'beat_strength ~ bounciness');
  assert.ok(corr(column('mechanism'), column('organism')) < -0.5, 'mechanism vs organism');
  assert.ok(corr(column('energy'), column('loudness')) > 0.4, 'energy ~ loudness');
});

test('deterministic from the seed', () => {
  const again = generateTracks(5000, 11);
  assert.equal(again.ids.slice(0, 5), catalog.ids.slice(0, 5));
  assert.ok(again.features.every((v, i) => v === catalog.features[i]));
  assert.not.equal(generateTracks(50, 12).ids, generateTracks(50, 11).ids);
  const id = sessions[0].id;
  assert.equal(generateSession(catalog, 11, id, '2018-07-15'), sessions[0]);
  assert.not.equal(generateSession(catalog, 12, id, '2018-07-15').rows, sessions[0].rows);
  const ids = sessionIds(11, '2018-07-15', 3, 50);
  assert.equal(ids, [...ids].sort(), 'ids come sorted');
  assert.ok(ids.every((s) => /^3_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)), 'ids look like the real ones');
});

test.run();

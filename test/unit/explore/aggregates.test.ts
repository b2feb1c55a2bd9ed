import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SkipRateAggregator, weekdayOf } from '../../../src/explore/skipRates.ts';
import { SpaceSaving } from '../../../src/explore/spaceSaving.ts';
import { CountMinSketch } from '../../../src/explore/countMin.ts';
import { TransitionCounter } from '../../../src/explore/transitions.ts';
import { featureMemory, LagCorrelations, shuffleAcrossSessions } from '../../../src/explore/featureMemory.ts';
import { FeatureHistograms } from '../../../src/explore/histograms.ts';
import { SessionSample } from '../../../src/explore/sessionSample.ts';
import { featureColumns } from '../../../src/explore/studiedFeatures.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { Rng } from '../../../src/util/rng.ts';
import { pearson, session, trackTable } from '../../helpers/exploreSessions.ts';

// Two sessions: A on Monday 2018-07-16 at 10h (x y x; skip_2 1 0 1), B on Sunday 2018-07-15 at 23h (y x; skip_2 1 1).
const A = session('A', ['x', 'y', 'x'], [true, false, true], { date: '2018-07-16', hour: 10, contextType: 3, shuffle: true });
const B = session('B', ['y', 'x'], [true, true], { date: '2018-07-15', hour: 23, contextType: 1, premium: false, reasonStart: 1 });

test('weekday of a date', () => {
  assert.is(weekdayOf('2018-07-16'), 0); // a Monday
  assert.is(weekdayOf('2018-07-15'), 6); // a Sunday
  assert.is(weekdayOf('garbage'), -1);
});

test('skip rates by position, hour, weekday, date and context (hand-computed)', () => {
  const agg = new SkipRateAggregator();
  for (const s of [A, B]) for (const r of s.rows) agg.add(r);
  const s = agg.summary();
  assert.equal(s.overall, { rows: 5, skip2Rate: 4 / 5, notSkippedRate: 1 / 5 });
  // position 1: A1 skip, B1 skip → 2/2; position 2: A2 no, B2 skip → 1/2; position 3: A3 skip → 1/1
  assert.equal(s.byPosition.slice(0, 3).map((p) => [p.position, p.rows, p.skip2Rate]), [
    [1, 2, 1],
    [2, 2, 0.5],
    [3, 1, 1],
  ]);
  assert.is(s.byPosition.length, 20);
  assert.is(s.byPosition[3].rows, 0);
  const hour10 = s.byHour.find((h) => h.hour === 10)!;
  assert.equal([hour10.rows, hour10.skip2Rate, hour10.notSkippedRate], [3, 2 / 3, 1 / 3]);
  assert.equal(s.byWeekday.find((w) => w.weekday === 'Mon'), { weekday: 'Mon', rows: 3, skip2Rate: 2 / 3, notSkippedRate: 1 / 3 });
  assert.equal(s.byWeekday.find((w) => w.weekday === 'Sun'), { weekday: 'Sun', rows: 2, skip2Rate: 1, notSkippedRate: 0 });
  assert.equal(s.byDate.map((d) => [d.date, d.rows]), [
    ['2018-07-15', 2],
    ['2018-07-16', 3],
  ]);
  assert.equal(s.byContextType.map((c) => [c.value, c.rows]), [
    ['user_collection', 2],
    ['radio', 3],
  ]);
  assert.equal(s.byPremium.map((c) => [c.value, c.rows, c.skip2Rate]), [
    ['false', 2, 1],
    ['true', 3, 2 / 3],
  ]);
  assert.equal(s.byShuffle.map((c) => [c.value, c.rows]), [
    ['false', 2],
    ['true', 3],
  ]);
  assert.equal(s.byReasonStart.map((c) => [c.value, c.rows]), [
    ['fwdbtn', 3],
    ['trackdone', 2],
  ]);
});

test('many distinct dates grow the date table', () => {
  const agg = new SkipRateAggregator();
  for (let d = 1; d <= 40; d++) agg.add(session('s', ['x'], [d % 2 === 0], { date: `2018-08-${String(d % 28 + 1).padStart(2, '0')}` }).rows[0]);
  const s = agg.summary();
  assert.is(s.byDate.length, 28);
  assert.is(s.byDate.reduce((t, d) => t + d.rows, 0), 40);
});

test('transitions among the top tracks (hand-computed)', () => {
  const t = new TransitionCounter(2);
  for (const s of [A, B]) t.addSession(s.rows.map((r) => r.trackId));
  const sum = t.summary();
  // plays: x 3, y 2; pairs: A x→y, y→x; B y→x
  assert.equal(sum.tracks, ['x', 'y']);
  assert.equal(sum.plays, [3, 2]);
  assert.equal(sum.counts, [
    [0, 1],
    [2, 0],
  ]);
  assert.equal(sum.matrix, [
    [0, 1],
    [1, 0],
  ]);
  assert.is(sum.transitionsSeen, 3);
});

test('space-saving keeps every heavy hitter with an honest error bound', () => {
  const rng = new Rng(4);
  const truth = new Map<string, number>();
  const ss = new SpaceSaving(50);
  for (let i = 0; i < 20_000; i++) {
    // Zipf-like: key k with weight 1/(k+1)
    const k = Math.floor(Math.exp(rng.next() * Math.log(2000))) - 1;
    const key = `t${k}`;
    truth.set(key, (truth.get(key) ?? 0) + 1);
    ss.add(key);
  }
  const top = ss.top(50);
  const reported = new Map(top.map((h) => [h.key, h]));
  for (const [key, count] of truth) {
    if (count > ss.total / ss.capacity) assert.ok(reported.has(key), `heavy hitter ${key} (${count}) is monitored`);
    const h = reported.get(key);
    if (h) assert.ok(h.count - h.error <= count && count <= h.count, `${key}: ${count} in [${h.count - h.error}, ${h.count}]`);
  }
  const exactTop3 = [...truth].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k]) => k);
  assert.equal(top.slice(0, 3).map((h) => h.key), exactTop3);
});

test('count-min never undercounts and is exact on a small input', () => {
  const cms = new CountMinSketch(1 << 12, 4);
  const truth = new Map<string, number>();
  const rng = new Rng(9);
  for (let i = 0; i < 3000; i++) {
    const a = rng.int(40);
    const b = rng.int(40);
    cms.add(a, b);
    truth.set(`${a},${b}`, (truth.get(`${a},${b}`) ?? 0) + 1);
  }
  let exact = 0;
  for (const [k, v] of truth) {
    const [a, b] = k.split(',').map(Number);
    const e = cms.estimate(a, b);
    assert.ok(e >= v);
    if (e === v) exact++;
  }
  assert.ok(exact / truth.size > 0.95, `${exact} of ${truth.size} exact`);
  assert.is(cms.estimate(1000, 1001), 0);
});

test('lag correlations match a two-pass Pearson over within-session pairs', () => {
  const values: Record<string, number> = { a: 0.1, b: 0.5, c: 0.9, d: 0.3 };
  const tracks = trackTable(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { danceability: v, energy: 1 - v * v }])));
  const sessions = [
    ['a', 'b', 'c', 'd'],
    ['c', 'c', 'a'],
    ['d', 'b', 'unknown', 'a', 'c'],
  ];
  const cols = featureColumns(['danceability', 'energy']);
  const lagged = new LagCorrelations(tracks, cols, 2);
  for (const s of sessions) lagged.addSession(Int32Array.from(s, (id) => tracks.index.get(id) ?? -1));
  for (const lag of [1, 2]) {
    const x: number[] = [];
    const y: number[] = [];
    for (const s of sessions)
      for (let t = 0; t + lag < s.length; t++)
        if (s[t] in values && s[t + lag] in values) {
          x.push(values[s[t]]);
          y.push(values[s[t + lag]]);
        }
    assert.is(lagged.pairs(0, lag), x.length);
    assert.ok(Math.abs(lagged.r(0, lag) - pearson(x, y)) < 1e-6, `lag ${lag}: ${lagged.r(0, lag)} vs ${pearson(x, y)}`);
    const e = (v: number) => Math.fround(1 - v * v);
    assert.ok(Math.abs(lagged.r(1, lag) - pearson(x.map(e), y.map(e))) < 1e-6);
  }
  // lag 1 pairs by hand: a-b, b-c, c-d, c-c, c-a, d-b, a-c (b-unknown and unknown-a are skipped) = 7
  assert.is(lagged.pairs(0, 1), 7);
});

test('feature memory finds a planted sequential dependence that the shuffled null does not', () => {
  // 200 tracks with danceability i/200; each session walks through neighbouring tracks (a "remembered" feature),
  // while energy is random per track (nothing to remember).
  const rng = new Rng(8);
  const spec: Record<string, { danceability: number; energy: number }> = {};
  for (let i = 0; i < 200; i++) spec[`t${i}`] = { danceability: i / 200, energy: rng.next() };
  const tracks = trackTable(spec);
  const cols = featureColumns(['danceability', 'energy']);
  const observed = new LagCorrelations(tracks, cols, 3);
  const sample = [];
  for (let s = 0; s < 300; s++) {
    let at = rng.int(200);
    // Steps of 1..5 either way, reflected at the ends: never the same track twice in a row, so energy pairs are
    // pairs of different tracks (independent), while danceability pairs stay within 5/200 of each other.
    const step = () => {
      const d = (rng.int(5) + 1) * (rng.bernoulli(0.5) ? 1 : -1);
      return at + d < 0 || at + d > 199 ? at - d : at + d;
    };
    const rows = Int32Array.from({ length: 15 }, () => (at = step()));
    observed.addSession(rows);
    sample.push({ trackRows: rows, skip2: new Uint8Array(rows.length) });
  }
  const memory = featureMemory(observed, sample, ['danceability', 'energy'], 1);
  assert.ok(memory.danceability[0].r > 0.8, `lag-1 danceability r = ${memory.danceability[0].r}`);
  assert.ok(memory.danceability[2].r < memory.danceability[0].r, 'memory fades with lag');
  assert.ok(Math.abs(memory.danceability[0].rShuffled) < 0.1, `shuffled r = ${memory.danceability[0].rShuffled}`);
  assert.ok(Math.abs(memory.energy[0].r) < 0.08, `energy r = ${memory.energy[0].r}`);
  assert.is(memory.danceability[0].pairs, 300 * 14);
  assert.is(memory.danceability[0].shuffledPairs, 300 * 14);
});

test('shuffling across sessions keeps lengths and the multiset of tracks', () => {
  const sample = [
    { trackRows: Int32Array.from([0, 1, 2]), skip2: new Uint8Array(3) },
    { trackRows: Int32Array.from([3, 3]), skip2: new Uint8Array(2) },
    { trackRows: Int32Array.from([4, -1, 5, 6]), skip2: new Uint8Array(4) },
  ];
  const shuffled = shuffleAcrossSessions(sample, 1);
  assert.equal(shuffled.map((s) => s.length), [3, 2, 4]);
  const flat = (xs: ArrayLike<number>[]) => xs.flatMap((s) => Array.from(s)).sort((a, b) => a - b);
  assert.equal(flat(shuffled), flat(sample.map((s) => s.trackRows)));
  assert.not.equal(Array.from(shuffled[0]), [0, 1, 2], 'the order changed (seeded)');
});

test('feature histograms split plays by skip_2 over fixed bins', () => {
  const tracks = trackTable({ lo: { tempo: 60 }, mid: { tempo: 100 }, hi: { tempo: 180 } });
  const h = new FeatureHistograms(tracks, featureColumns(['tempo']), ['tempo'], 4);
  // bins over [60, 180]: 60–90, 90–120, 120–150, 150–180 (the maximum falls in the last bin)
  h.add(0, true);
  h.add(1, true);
  h.add(1, false);
  h.add(2, false);
  const [tempo] = h.summary();
  assert.equal([tempo.lo, tempo.hi], [60, 180]);
  assert.equal(tempo.edges, [60, 90, 120, 150]);
  assert.equal(tempo.skipped, [1, 1, 0, 0]);
  assert.equal(tempo.notSkipped, [0, 1, 0, 1]);
  assert.is(TRACK_FEATURES.indexOf('tempo'), featureColumns(['tempo'])[0]);
});

test('session sample: bounded, the smallest keys, order-free, and the fraction thins the stream', () => {
  const make = (i: number) => () => ({ trackRows: Int32Array.of(i), skip2: new Uint8Array(1) });
  const all = new SessionSample(1, 5, 3);
  for (let i = 0; i < 100; i++) all.offer(`s${i}`, make(i));
  assert.is(all.sample().length, 5);
  assert.is(all.accepted, 100);
  const smallest = Array.from({ length: 100 }, (_, i) => i).sort((a, b) => all.key(`s${a}`) - all.key(`s${b}`)).slice(0, 5);
  assert.equal(all.sample().map((s) => s.trackRows[0]), smallest, 'the 5 smallest keys, in key order');
  assert.ok(smallest.some((i) => i >= 5), 'later sessions can replace early ones');
  const reversed = new SessionSample(1, 5, 3);
  for (let i = 99; i >= 0; i--) reversed.offer(`s${i}`, make(i));
  assert.equal(reversed.sample(), all.sample(), 'the sample does not depend on the order sessions arrive in');
  const reseeded = new SessionSample(1, 5, 4);
  for (let i = 0; i < 100; i++) reseeded.offer(`s${i}`, make(i));
  assert.not.equal(reseeded.sample(), all.sample(), 'another seed, another sample');

  const half = new SessionSample(0.5, 10_000, 3);
  let made = 0;
  for (let i = 0; i < 2000; i++)
    half.offer(`s${i}`, () => {
      made++;
      return make(i)();
    });
  assert.ok(half.accepted > 900 && half.accepted < 1100, `${half.accepted} of 2000 accepted`);
  assert.is(made, half.accepted);
  const keys = Array.from({ length: 2000 }, (_, i) => half.key(`s${i}`));
  assert.ok(keys.every((k) => k >= 0 && k < 1));
  const mean = keys.reduce((a, b) => a + b, 0) / keys.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `keys look uniform: mean ${mean}`);
});

test.run();

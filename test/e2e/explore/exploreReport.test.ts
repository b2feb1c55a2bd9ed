import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExplore } from '../../../src/explore/runExplore.ts';
import { checkExploreArgs } from '../../../src/commands/explore.ts';
import { parseDays } from '../../../src/config/days.ts';
import { exploreReportSections } from '../../../src/explore/report.ts';
import { renderChart } from '../../../src/report/html.ts';
import { writeSynth, plannedSessions } from '../../../src/data/synth/index.ts';
import { TRACK_COLUMNS, TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { DataError, UserError } from '../../../src/errors.ts';
import { Rng } from '../../../src/util/rng.ts';
import { EXCERPT, excerptTest, logFile, madeUpCategories, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/e2e/explore/exploreReport.test.ts');
const dir = mkdtempSync(join(tmpdir(), 'explore-test-'));
const quiet = { log: () => {}, progress: false };

const SECTION_TITLES = [
  'Overview',
  'Skip rate by session position, hour, weekday and date',
  'Skip rate by context, premium, shuffle and reason_start',
  'Track transitions among the',
  'Feature memory',
  'Distributions of track features',
  'Dependency graph (PC algorithm)',
];

test('end to end on a synthetic archive: every section, the JSON keys, self-contained HTML', async () => {
  const synth = await writeSynth({ out: join(dir, 'synth'), sessions: 120, days: 2, seed: 5, tracks: 300, filesPerDay: 1 });
  const out = join(dir, 'synth-report.html');
  const json = join(dir, 'synth-report.json');
  const result = await runExplore({ logs: synth.logs, tracks: synth.tracks, out, json, options: { sample: 1, top: 10 }, ...quiet });
  const html = readFileSync(out, 'utf8');
  for (const title of SECTION_TITLES) assert.ok(html.includes(title), `section '${title}'`);
  assert.ok((html.match(/<svg/g) ?? []).length >= 10, 'charts are inline SVG');
  assert.not.ok(/<script[^>]+src=|https?:\/\/cdn/.test(html), 'no external scripts');
  const numbers = JSON.parse(readFileSync(json, 'utf8'));
  for (const key of ['skipRateByPosition', 'skipRateByHour', 'skipRateByWeekday', 'transitions', 'featureMemory', 'pc'])
    assert.ok(key in numbers, `JSON has ${key}`);
  assert.is(numbers.meta.sessions, plannedSessions({ sessions: 120, days: 2, filesPerDay: 1 }));
  assert.is(numbers.skipRateByPosition[0].position, 1);
  assert.ok(['position', 'rows', 'skip2Rate'].every((k) => k in numbers.skipRateByPosition[0]));
  assert.is(numbers.skipRateByPosition.reduce((s: number, p: { rows: number }) => s + p.rows, 0), numbers.meta.rows);
  assert.is(numbers.transitions.tracks.length, 10);
  assert.is(numbers.transitions.matrix.length, 10);
  assert.equal(Object.keys(numbers.featureMemory).length, result.pc.nodes.length - 1 + result.pc.dropped.length);
  assert.equal(numbers.featureMemory.danceability.map((l: { lag: number }) => l.lag), [1, 2, 3, 4, 5]);
  assert.ok(numbers.pc.nodes.includes('skip_2'));
  for (const e of numbers.pc.edges) assert.ok(['from', 'to', 'directed'].every((k) => k in e));
  assert.is(numbers.meta.unknownTrackRows, 0);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');

  // --days keeps only the named log day (the archive's file names carry 2018-07-15 and 2018-07-16).
  const oneDay = await runExplore({ logs: synth.logs, tracks: synth.tracks, out: join(dir, 'day.html'), days: ['2018-07-16'], options: { sample: 1, top: 3 }, ...quiet });
  assert.ok(oneDay.meta.sessions > 0 && oneDay.meta.sessions < result.meta.sessions);
  assert.is(oneDay.skipRateByWeekday.find((w) => w.weekday === 'Sun')?.rows ?? 0, 0, 'no Sunday (2018-07-15) plays left');

  // With the full data's 66 dates, the date axis labels a few evenly spaced dates only (they overlapped at 8).
  const dates = parseDays('2018-07-15..2018-09-18');
  const skipRateByDate = dates.map((date) => ({ date, rows: 10, skip2Rate: 0.5, notSkippedRate: 0.3 }));
  const sections = exploreReportSections({ ...result, skipRateByDate });
  const byDate = sections.flatMap((s) => s.charts ?? []).find((c) => String(c.title).startsWith('by date'));
  const [rates, counts] = (byDate?.vconcat ?? []) as { encoding: { x: { axis: { labels?: boolean; values?: string[] } } } }[];
  assert.is(rates.encoding.x.axis.labels, false, 'the upper chart shares the lower one\'s labels');
  const labelled = counts.encoding.x.axis.values ?? [];
  assert.ok(labelled.length >= 4 && labelled.length <= 7, `${labelled.length} labels`);
  assert.is(labelled.at(0), '2018-07-15');
  assert.ok(labelled.every((d) => dates.includes(d)));
  const svg = await renderChart(byDate!);
  assert.is((svg.match(/>\d{4}-\d{2}-\d{2}</g) ?? []).length, labelled.length, 'the rendered axis shows just those dates');
});

withExcerpt('end to end on real MSSD rows: counts checked against the CSV itself', async () => {
  // The 201 real rows have no real track features here: give each of their tracks seeded random ones.
  const lines = readFileSync(EXCERPT, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const ids = [...new Set(lines.map((f) => f[3]))];
  const rng = new Rng(2);
  const tf = [TRACK_COLUMNS.join(','), ...ids.map((id) => [id, ...TRACK_FEATURES.map((f) => (f === 'mode' ? 'major' : rng.next().toFixed(4)))].join(','))];
  const tracks = join(dir, 'tf_excerpt.csv');
  writeFileSync(tracks, tf.join('\n') + '\n');
  const result = await runExplore({ logs: EXCERPT, tracks, out: join(dir, 'real.html'), options: { sample: 1, top: 5 }, ...quiet });
  const first = lines.filter((f) => f[1] === '1');
  assert.is(result.meta.sessions, first.length);
  assert.is(result.meta.rows, lines.length);
  assert.is(result.skipRateByPosition[0].rows, first.length);
  assert.is(result.skipRateByPosition[0].skip2Rate, first.filter((f) => f[5] === 'true').length / first.length);
  assert.is(result.overall.notSkippedRate, lines.filter((f) => f[7] === 'true').length / lines.length);
  const sunday = result.skipRateByWeekday.find((w) => w.weekday === 'Sun')!; // 2018-07-15 was a Sunday
  assert.is(sunday.rows, lines.filter((f) => f[16] === '2018-07-15').length);
  // The most played track of the excerpt, counted directly.
  const plays = new Map<string, number>();
  for (const f of lines) plays.set(f[3], (plays.get(f[3]) ?? 0) + 1);
  const maxPlays = Math.max(...plays.values());
  assert.is(result.transitions.plays[0], maxPlays);
  assert.ok(existsSync(join(dir, 'real.html')));
});

test('values outside a vocabulary: counted per column in the JSON and the report', async () => {
  const { text, expected } = madeUpCategories(logFile([['a', 20], ['b', 20], ['c', 12]]));
  const logs = join(dir, 'made-up.csv');
  writeFileSync(logs, text);
  const tracks = join(dir, 'tf_made_up.csv'); // logFile plays t_<position>
  writeFileSync(tracks, [TRACK_HEADER, ...Array.from({ length: 20 }, (_, i) => trackLine(`t_${i + 1}`, TRACK_FEATURES.map((_, f) => (i * 7 + f) % 5)))].join('\n'));
  const out = join(dir, 'made-up.html');
  const json = join(dir, 'made-up.json');
  await runExplore({ logs, tracks, out, json, options: { sample: 1, top: 3 }, ...quiet });
  assert.equal(JSON.parse(readFileSync(json, 'utf8')).meta.unknownCategories, expected);
  const html = readFileSync(out, 'utf8');
  assert.match(html, new RegExp(`plays whose context_type is outside its vocabulary .*?<td>${expected.context_type.rows} rows \\(e\\.g\\. `));
  assert.match(html, /plays whose hist_user_behavior_reason_start is outside its vocabulary .*?<td class="num">0</);
});

test('bad input: a missing logs path is a DataError naming it, and nothing is written', async () => {
  const out = join(dir, 'never.html');
  try {
    await runExplore({ logs: join(dir, 'nope.tar.gz'), tracks: join(dir, 'tf_excerpt.csv'), out, options: {}, ...quiet });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, DataError);
    assert.match((e as Error).message, 'nope.tar.gz');
  }
  assert.not.ok(existsSync(out));
});

test('option checks name the option', () => {
  const ok = { logs: 'l', tracks: 't', out: 'o', sample: 0.01, 'max-sample': 100, top: 30, alpha: 0.01, 'max-cond': 3, seed: 1 };
  checkExploreArgs(ok);
  assert.throws(() => checkExploreArgs({ ...ok, alpha: 1.5 }), (e: Error) => e instanceof UserError && /--alpha/.test(e.message));
  assert.throws(() => checkExploreArgs({ ...ok, sample: 0 }), (e: Error) => /--sample/.test(e.message));
  assert.throws(() => checkExploreArgs({ ...ok, 'max-cond': -1 }), (e: Error) => /--max-cond/.test(e.message));
  assert.throws(() => checkExploreArgs({ ...ok, days: ['15-07-18'] }), (e: Error) => /--days/.test(e.message));
  // --days takes the same lists and first..last ranges as evaluate and prepare.
  assert.equal(checkExploreArgs({ ...ok, days: ['2018-07-15..2018-07-17,2018-07-20'] }).days, ['2018-07-15', '2018-07-16', '2018-07-17', '2018-07-20']);
  assert.is(checkExploreArgs(ok).days, undefined);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrackTable } from '../../../src/data/read/tracks.ts';
import { computeFeatureStats, loadFeatureStats, saveFeatureStats } from '../../../src/data/passes/stats.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { dataErrorOf, LOG_HEADER, logLine, tarGz, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const F = (name: string) => TRACK_FEATURES.indexOf(name as (typeof TRACK_FEATURES)[number]);
/** Feature vector with every value `v`, `mode` as given and a distinct duration. */
const features = (v: number, duration: number, major: boolean) =>
  TRACK_FEATURES.map((name) => (name === 'duration' ? duration : name === 'mode' ? (major ? 1 : 0) : v));

test('track table: typed rows in file order across archive members, mode major/minor → 1/0', async () => {
  const dir = tempDir();
  const path = join(dir, 'track_features.tar.gz');
  writeFileSync(
    path,
    await tarGz([
      { name: 'track_features/tf_000000000000.csv', content: [TRACK_HEADER, trackLine('t_a', features(0.25, 180.5, true))].join('\n') + '\n' },
      { name: 'track_features/tf_000000000001.csv', content: [TRACK_HEADER, trackLine('t_b', features(-3, 42, false))].join('\r\n') + '\r\n' },
    ]),
  );
  const t = await loadTrackTable(path);
  assert.equal(t.ids, ['t_a', 't_b']);
  assert.is(t.index.get('t_b'), 1);
  assert.is(t.width, 29);
  assert.is(t.features.length, 58);
  assert.is(t.features[F('duration')], 180.5);
  assert.is(t.features[F('mode')], 1);
  assert.is(t.features[F('energy')], 0.25);
  assert.is(t.features[29 + F('mode')], 0);
  assert.is(t.features[29 + F('acoustic_vector_7')], -3);
});

test('track table: a duplicated id and a missing column are DataErrors', async () => {
  const dir = tempDir();
  const dup = join(dir, 'tf.csv');
  writeFileSync(dup, [TRACK_HEADER, trackLine('t_a', features(1, 1, true)), trackLine('t_a', features(1, 1, true))].join('\n'));
  assert.match(await dataErrorOf(loadTrackTable(dup)), /tf\.csv:3: track 't_a' appears twice/);
  const noMode = join(dir, 'tf2.csv');
  writeFileSync(noMode, TRACK_HEADER.replace(',mode,', ',mood,') + '\n');
  assert.match(await dataErrorOf(loadTrackTable(noMode)), /tf2\.csv:1: missing header column 'mode'/);
});

test('feature stats on a hand-made file: play-weighted moments, unknown tracks skipped, rates and counts', async () => {
  const dir = tempDir();
  const tf = join(dir, 'tf.csv');
  writeFileSync(tf, [TRACK_HEADER, trackLine('t_1', features(1, 10, true)), trackLine('t_2', features(3, 40, false))].join('\n'));
  const logs = join(dir, 'log.csv');
  writeFileSync(
    logs,
    [
      LOG_HEADER,
      logLine({ session: 'a', position: 1, length: 2, track: 't_1', skip2: true, context: 'radio' }),
      logLine({ session: 'a', position: 2, length: 2, track: 't_2', context: 'radio', reasonStart: 'fwdbtn' }),
      logLine({ session: 'b', position: 1, length: 2, track: 't_1', context: 'catalog' }),
      logLine({ session: 'b', position: 2, length: 2, track: 't_unknown', context: 'no_such_context' }),
    ].join('\n'),
  );
  const tracks = await loadTrackTable(tf);
  const s = await computeFeatureStats(logs, tracks);
  // Plays of known tracks: t_1 twice, t_2 once. duration: mean (10+10+40)/3 = 20, var (100+100+400)/3 = 200.
  assert.ok(Math.abs(s.mean[F('duration')] - 20) < 1e-9);
  assert.ok(Math.abs(s.std[F('duration')] - Math.sqrt(200)) < 1e-9);
  // energy: values 1, 1, 3 → mean 5/3, var ((2/3)²·2 + (4/3)²)/3 = 8/9.
  assert.ok(Math.abs(s.mean[F('energy')] - 5 / 3) < 1e-6);
  assert.ok(Math.abs(s.std[F('energy')] - Math.sqrt(8 / 9)) < 1e-6);
  // mode: 1, 1, 0 → mean 2/3, std √(2/9).
  assert.ok(Math.abs(s.mean[F('mode')] - 2 / 3) < 1e-9);
  assert.ok(Math.abs(s.std[F('mode')] - Math.sqrt(2 / 9)) < 1e-9);
  assert.is(s.rows, 4);
  assert.is(s.sessions, 2);
  assert.is(s.vocab.contextType.radio, 2);
  assert.is(s.vocab.contextType.catalog, 1);
  assert.is(s.vocab.contextType.other, 1);
  assert.is(s.vocab.reasonStart.fwdbtn, 1);
  assert.is(s.vocab.reasonStart.trackdone, 3);
  assert.is(s.skipRateByPosition.length, 20);
  assert.equal(s.skipRateByPosition.slice(0, 3), [0.5, 0, 0]);
  const capped = await computeFeatureStats(logs, tracks, { maxSessions: 1 });
  assert.is(capped.sessions, 1);
  assert.ok(Math.abs(capped.mean[F('duration')] - 25) < 1e-9);
});

test('feature stats save atomically, load back equal, and a malformed file is a DataError', async () => {
  const dir = tempDir();
  const tf = join(dir, 'tf.csv');
  writeFileSync(tf, [TRACK_HEADER, trackLine('t_1', features(2, 10, true))].join('\n'));
  const logs = join(dir, 'log.csv');
  writeFileSync(logs, [LOG_HEADER, logLine({ session: 'a', position: 1, length: 1, track: 't_1' })].join('\n'));
  const stats = await computeFeatureStats(logs, await loadTrackTable(tf));
  const out = join(dir, 'stats.json');
  await saveFeatureStats(out, stats);
  assert.equal(readdirSync(dir).sort(), ['log.csv', 'stats.json', 'tf.csv']); // no temp file left behind
  assert.equal(await loadFeatureStats(out), stats);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, JSON.stringify({ ...stats, std: [1, 2] }));
  assert.match(await dataErrorOf(loadFeatureStats(broken)), /broken\.json: field 'std' must be 29 numbers/);
  writeFileSync(broken, '{ not json');
  assert.match(await dataErrorOf(loadFeatureStats(broken)), /broken\.json: cannot read feature stats/);
});

test.run();

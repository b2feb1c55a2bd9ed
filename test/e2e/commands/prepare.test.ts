// `skiptrain prepare` as a user runs it: --days, --out as a file or a folder, a failure that writes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatureStats } from '../../../src/data/passes/stats.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { logFile, madeUpCategories, tarGz, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/skiptrain.js', 'prepare', ...args], { encoding: 'utf8' });

test('CLI: prepare --days writes stats over those days only; a failure writes nothing', async () => {
  const dir = tempDir();
  const logs = join(dir, 'training_set.tar.gz');
  writeFileSync(
    logs,
    await tarGz([
      { name: 'training_set/log_0_20180715_000000000000.csv', content: logFile([['a', 3], ['b', 4]], '2018-07-15') },
      { name: 'training_set/log_0_20180716_000000000000.csv', content: logFile([['c', 5]], '2018-07-16') },
    ]),
  );
  const tracks = join(dir, 'tf.csv');
  const ids = ['t_1', 't_2', 't_3', 't_4', 't_5'];
  writeFileSync(tracks, [TRACK_HEADER, ...ids.map((id, i) => trackLine(id, TRACK_FEATURES.map(() => i)))].join('\n'));
  const out = join(dir, 'stats.json');
  const ok = cli('--logs', logs, '--tracks', tracks, '--out', out, '--days', '2018-07-15');
  assert.is(ok.status, 0, ok.stderr);
  const stats = await loadFeatureStats(out);
  assert.is(stats.sessions, 2);
  assert.is(stats.rows, 7);
  // Plays of t_1..t_4 (feature value = index 0..3): a plays 0,1,2; b plays 0,1,2,3 → mean 9/7.
  assert.ok(Math.abs(stats.mean[TRACK_FEATURES.indexOf('energy')] - 9 / 7) < 1e-6);

  const failed = join(dir, 'failed.json');
  writeFileSync(join(dir, 'bad-tf.csv'), TRACK_HEADER + '\n' + trackLine('t_1', TRACK_FEATURES.map(() => 1)).replace(/,1$/, ',x'));
  const bad = cli('--logs', logs, '--tracks', join(dir, 'bad-tf.csv'), '--out', failed);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /error: .*bad-tf\.csv:2: column 'acoustic_vector_7' must be a number, found 'x'/);
  assert.not.ok(existsSync(failed));
  assert.not.ok(readdirSync(dir).some((f) => f.endsWith('.tmp')));
});

test('CLI: prepare --out FOLDER (without --shard) writes FOLDER/stats.json, as merge does; --cache C --out C too', async () => {
  const dir = tempDir();
  const logs = join(dir, 'log.csv');
  writeFileSync(logs, logFile([['a', 3], ['b', 4]]));
  const tracks = join(dir, 'tf.csv');
  writeFileSync(tracks, [TRACK_HEADER, ...['t_1', 't_2', 't_3', 't_4'].map((id, i) => trackLine(id, TRACK_FEATURES.map(() => i)))].join('\n'));
  const existing = join(dir, 'existing');
  mkdirSync(existing);
  for (const [out, written] of [
    [existing, join(existing, 'stats.json')],
    [join(dir, 'new') + '/', join(dir, 'new', 'stats.json')],
  ]) {
    const ok = cli('--logs', logs, '--tracks', tracks, '--out', out);
    assert.is(ok.status, 0, ok.stderr);
    assert.is((await loadFeatureStats(written)).sessions, 2);
    assert.match(ok.stderr, `wrote ${written}: 2 sessions, 7 rows`);
  }
  const cache = join(dir, 'cache');
  const cached = cli('--logs', logs, '--tracks', tracks, '--cache', cache, '--out', cache);
  assert.is(cached.status, 0, cached.stderr);
  assert.is((await loadFeatureStats(join(cache, 'stats.json'))).rows, 7);
  assert.ok(existsSync(join(cache, 'manifest.json')));
});

test('CLI: prepare names the columns whose values fell outside their vocabulary, once each', async () => {
  const dir = tempDir();
  const { text, expected } = madeUpCategories(logFile([['a', 20], ['b', 12]]));
  const logs = join(dir, 'made-up.csv');
  writeFileSync(logs, text);
  const tracks = join(dir, 'tf.csv');
  writeFileSync(tracks, [TRACK_HEADER, ...Array.from({ length: 20 }, (_, i) => trackLine(`t_${i + 1}`, TRACK_FEATURES.map(() => i)))].join('\n'));
  const ok = cli('--logs', logs, '--tracks', tracks, '--out', join(dir, 'stats.json'));
  assert.is(ok.status, 0, ok.stderr);
  const warnings = ok.stderr.split('\n').filter((l) => l.startsWith('warning: column'));
  assert.is(warnings.length, 2, ok.stderr);
  assert.match(warnings[0], `column 'context_type' has values outside its vocabulary in ${expected.context_type.rows} rows (e.g. 'made_up_context_0'`);
  assert.match(warnings[1], `column 'hist_user_behavior_reason_end' has values outside its vocabulary in ${expected.hist_user_behavior_reason_end.rows} rows (e.g. 'zz_end')`);
});

test.run();

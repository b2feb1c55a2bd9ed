// writeSynth on disk: the real archive layout, headers and spellings, the challenge test set, determinism, and
// that nothing half-written is left behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { INPUT_COLUMNS, LOG_COLUMNS, TRACK_COLUMNS } from '../../../../src/data/format/columns.ts';
import { UserError } from '../../../../src/errors.ts';
import { generateSession, generateTracks, plannedSessions, writeSynth, type SynthOptions } from '../../../../src/data/synth/index.ts';
import { readSessions } from '../../../../src/data/read/logs.ts';
import { loadTrackTable } from '../../../../src/data/read/tracks.ts';

const root = await mkdtemp(join(tmpdir(), 'synth-test-'));
const base: SynthOptions = { out: '', sessions: 120, days: 2, seed: 5, tracks: 300, filesPerDay: 2, testSet: true };

async function entries(path: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const extract = tar.extract();
  Readable.from([gunzipSync(await readFile(path))]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push([entry.header.name, Buffer.concat(chunks).toString('utf8')]);
  }
  return out;
}

const csvRows = (text: string) => text.trimEnd().split('\n').map((l) => l.split(','));

const first = { ...base, out: join(root, 'a') };
const progress: number[] = [];
const result = await writeSynth({ ...first, onProgress: (n) => progress.push(n) });

test('archive layout and headers', async () => {
  assert.equal((await readdir(first.out)).sort(), ['test_set', 'track_features.tar.gz', 'training_set.tar.gz'], 'no temporaries left');
  const logs = await entries(result.logs);
  assert.equal(
    logs.map(([name]) => name),
    [
      'training_set/log_0_20180715_000000000000.csv',
      'training_set/log_1_20180715_000000000000.csv',
      'training_set/log_0_20180716_000000000000.csv',
      'training_set/log_1_20180716_000000000000.csv',
    ],
  );
  const tracks = await entries(result.tracks);
  assert.equal(tracks.map(([name]) => name), ['track_features/tf_000000000000.csv']);
  const trackRows = csvRows(tracks[0][1]);
  assert.equal(trackRows[0], [...TRACK_COLUMNS]);
  assert.is(trackRows.length - 1, 300);
  const modeAt = TRACK_COLUMNS.indexOf('mode');
  assert.ok(trackRows.slice(1).every((r) => /^t_[0-9a-f-]{36}$/.test(r[0]) && (r[modeAt] === 'major' || r[modeAt] === 'minor')));
  const trackIds = new Set(trackRows.slice(1).map((r) => r[0]));

  let sessions = 0;
  for (const [name, text] of logs) {
    const rows = csvRows(text);
    assert.equal(rows[0], [...LOG_COLUMNS], `${name} header`);
    const k = name.match(/log_(\d+)_/)![1];
    const col = (c: (typeof LOG_COLUMNS)[number]) => LOG_COLUMNS.indexOf(c);
    const keys = rows.slice(1).map((r) => `${r[0]}\t${r[1].padStart(2, '0')}`);
    assert.equal(keys, [...keys].sort(), `${name} sorted by session_id, session_position`);
    const bySession = new Map<string, string[][]>();
    for (const r of rows.slice(1)) {
      assert.is(r.length, LOG_COLUMNS.length);
      assert.ok(r[0].startsWith(`${k}_`), 'session id carries the file number');
      assert.ok(trackIds.has(r[col('track_id_clean')]), 'every played track is in the track table');
      for (const c of ['skip_1', 'skip_2', 'skip_3', 'not_skipped', 'hist_user_behavior_is_shuffle', 'premium'] as const)
        assert.ok(r[col(c)] === 'true' || r[col(c)] === 'false', `${c} spelled true/false`);
      for (const c of ['context_switch', 'no_pause_before_play', 'short_pause_before_play', 'long_pause_before_play'] as const)
        assert.ok(r[col(c)] === '0' || r[col(c)] === '1', `${c} is 0/1`);
      assert.match(r[col('date')], /^2018-07-1[5-7]$/);
      bySession.set(r[0], [...(bySession.get(r[0]) ?? []), r]);
    }
    for (const rs of bySession.values()) {
      const L = Number(rs[0][2]);
      assert.is(rs.length, L, 'session_length = rows');
      assert.equal(rs.map((r) => Number(r[1])), Array.from({ length: L }, (_, i) => i + 1));
    }
    sessions += bySession.size;
  }
  assert.is(sessions, 120);
  assert.is(progress[progress.length - 1], plannedSessions(first), 'progress ends at the planned total');
});

test('challenge test set for the last day', async () => {
  const ts = result.testSet!;
  assert.equal(ts.prehistory, [join(first.out, 'test_set/log_prehistory_20180716_000000000000.csv')]);
  const pre = csvRows(await readFile(ts.prehistory[0], 'utf8'));
  const input = csvRows(await readFile(ts.input[0], 'utf8'));
  const truth = (await readFile(ts.truth[0], 'utf8')).trimEnd().split('\n');
  assert.equal(pre[0], [...LOG_COLUMNS]);
  assert.equal(input[0], [...INPUT_COLUMNS]);
  const known = new Map<string, number>();
  for (const r of pre.slice(1)) known.set(r[0], (known.get(r[0]) ?? 0) + 1);
  const hidden = new Map<string, { L: number; n: number }>();
  for (const r of input.slice(1)) hidden.set(r[0], { L: Number(r[2]), n: (hidden.get(r[0])?.n ?? 0) + 1 });
  assert.equal([...known.keys()], [...hidden.keys()], 'same sessions, same order');
  assert.is(truth.length, hidden.size, 'one truth line per session');
  [...hidden.entries()].forEach(([id, { L, n }], i) => {
    assert.is(known.get(id), Math.floor(L / 2), 'prehistory = first ⌊L/2⌋ rows');
    assert.is(n, L - Math.floor(L / 2));
    assert.match(truth[i], new RegExp(`^[01]{${n}}$`));
  });
  const training = new Set((await entries(result.logs)).flatMap(([, text]) => csvRows(text).slice(1).map((r) => r[0])));
  assert.ok([...hidden.keys()].every((id) => !training.has(id)), 'test sessions are not training sessions');
});

test("the project's reader gets back exactly the sessions and tracks that were generated", async () => {
  const table = await loadTrackTable(result.tracks);
  const catalog = generateTracks(base.tracks, base.seed);
  assert.equal(table.ids, catalog.ids);
  for (let i = 0; i < catalog.features.length; i++) {
    const a = catalog.features[i];
    assert.ok(Math.abs(table.features[i] - a) <= 1e-6 * Math.max(1, Math.abs(a)), `feature ${i}: ${table.features[i]} vs ${a}`);
  }
  let n = 0;
  for await (const s of readSessions(result.logs, { tracks: table })) {
    const again = generateSession(catalog, base.seed, s.id, s.day);
    assert.equal(s.rows, again.rows, `${s.id} read back as generated`);
    assert.is(s.length, again.length);
    n++;
  }
  assert.is(n, base.sessions);
});

test('same seed writes identical bytes; another seed does not', async () => {
  const again = await writeSynth({ ...base, out: join(root, 'b') });
  const other = await writeSynth({ ...base, out: join(root, 'c'), seed: 6, testSet: false });
  const bytes = (p: string) => readFile(p);
  assert.ok((await bytes(again.logs)).equals(await bytes(result.logs)), 'logs identical');
  assert.ok((await bytes(again.tracks)).equals(await bytes(result.tracks)), 'tracks identical');
  assert.ok((await bytes(again.testSet!.truth[0])).equals(await bytes(result.testSet!.truth[0])), 'truth identical');
  assert.not.ok((await bytes(other.logs)).equals(await bytes(result.logs)), 'another seed differs');
  assert.is(other.testSet, undefined);
});

test('bad options: a UserError naming the option, nothing written', async () => {
  const out = join(root, 'bad');
  for (const bad of [{ sessions: 0 }, { days: 1.5 }, { startDate: '2018-02-30' }, { filesPerDay: -1 }]) {
    try {
      await writeSynth({ ...base, ...bad, out });
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, UserError);
      assert.match((e as Error).message, /--(sessions|days|start-date|files-per-day)/);
    }
  }
  assert.equal(await readdir(root).then((d) => d.includes('bad')), false);
});

test('a run that fails half-way leaves nothing behind', async () => {
  const out = join(root, 'interrupted');
  const stop = new Error('stopped');
  const opts = { ...base, out, sessions: 1000, days: 1, filesPerDay: 1 };
  try {
    await writeSynth({ ...opts, onProgress: () => { throw stop; } });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.is(e, stop);
  }
  assert.equal(await readdir(out), [], 'no archive, no temporaries');
});

test.after(() => rm(root, { recursive: true, force: true }));

test.run();

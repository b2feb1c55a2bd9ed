// Parquet round trip: sessions → export → read back are the same sessions (synthetic archive and the real excerpt),
// through every reader (plain, parsing threads, the cache); a file written by DuckDB is read; values outside a
// vocabulary are counted as in a CSV; bad files are named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { join } from 'node:path';
import { buildCache, readCachedSessions } from '../../../src/data/cache/cache.ts';
import { LOG_COLUMNS } from '../../../src/data/format/columns.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { newReadCounts } from '../../../src/data/read/readOptions.ts';
import { SESSION_SCHEMA } from '../../../src/data/export/sessionColumns.ts';
import { exportParquet } from '../../../src/data/export/exportParquet.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { loadTrackTable } from '../../../src/data/read/tracks.ts';
import type { Session } from '../../../src/data/format/types.ts';
import { EXCERPT, EXCERPT_PANDAS, collect, dataErrorOf, excerptTest, logFile, madeUpCategories, tempDir } from '../../helpers/dataFixtures.ts';

const root = tempDir();
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'parquet');

/** Sessions without where they were read from (a file and line that differ by design), in id order. */
const comparable = (sessions: Session[]) =>
  sessions.map(({ source: _source, ...s }) => s).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

test('a synthetic archive round-trips through export --parquet: same sessions through every reader', async () => {
  const data = await writeSynth({ out: join(root, 'synth'), sessions: 400, days: 2, seed: 4, tracks: 150, filesPerDay: 2 });
  const out = join(root, 'synth-parquet');
  const original = await collect(readSessions(data.logs));
  const r = await exportParquet(readSessions(data.logs), out);
  assert.equal(r, { files: 4, sessions: original.length, rows: original.reduce((n, s) => n + s.rows.length, 0) });
  assert.equal(readdirSync(out).sort(), ['_checksums.json', 'day=2018-07-15', 'day=2018-07-16']);
  const want = comparable(original);
  assert.equal(comparable(await collect(readSessions(out))), want);
  assert.equal(comparable(await collect(readSessions(out, { workers: 2, inlineBytes: 0, rangeBytes: 4096 }))), want);
  const tracks = await loadTrackTable(data.tracks);
  const manifest = await buildCache(join(root, 'pq-cache'), out, tracks, { tracksPath: data.tracks, log: () => {} });
  assert.equal(comparable(await collect(readCachedSessions(join(root, 'pq-cache'), manifest, tracks))), want);
  // --days skips other days' partitions by their folder name
  const day = new Set(['2018-07-16']);
  assert.equal(comparable(await collect(readSessions(out, { days: day }))), comparable(await collect(readSessions(data.logs, { days: day }))));
});

const withExcerpt = excerptTest(test, 'test/e2e/scale/parquet.test.ts');
withExcerpt('the real MSSD excerpt (dataset and pandas spelling) round-trips through Parquet', async () => {
  for (const [i, file] of [EXCERPT, EXCERPT_PANDAS].entries()) {
    const out = join(root, `excerpt-${i}`);
    await exportParquet(readSessions(file), out);
    const back = await collect(readSessions(out));
    assert.is(back.length, 11);
    assert.equal(comparable(back), comparable(await collect(readSessions(file))));
  }
});

test('a Parquet file written by DuckDB (date= partition folder, no date column, other column order) is read', async () => {
  const dir = join(root, 'duckdb');
  mkdirSync(join(dir, 'date=2018-07-15'), { recursive: true });
  cpSync(join(FIXTURES, 'duckdb-sessions.parquet'), join(dir, 'date=2018-07-15', 'part-0.parquet'));
  const sessions = await collect(readSessions(dir));
  assert.equal(sessions.map((s) => [s.id, s.length, s.rows.length, s.day]), [
    ['s_1', 3, 3, '2018-07-15'],
    ['s_2', 2, 2, '2018-07-15'],
  ]);
  const first = sessions[0].rows[0];
  assert.equal(
    { trackId: first.trackId, skip2: first.skip2, seekFwd: first.seekFwd, hour: first.hour, date: first.date, contextType: first.contextType },
    { trackId: 't_1', skip2: false, seekFwd: 0, hour: 16, date: '2018-07-15', contextType: 1 },
  );
  assert.equal(sessions[0].rows.map((r) => r.skip2), [false, true, true]);
});

test('values outside a vocabulary in a Parquet file are counted (and refused) as in the CSV it holds', async () => {
  const { text, expected } = madeUpCategories(logFile([['a', 20], ['b', 20], ['c', 12]]));
  const dir = join(root, 'made-up');
  mkdirSync(dir);
  const csv = join(dir, 'made-up.csv');
  writeFileSync(csv, text);
  // The CSV's rows as Parquet columns of the export's types (made-up strings and all).
  const rows = text.trimEnd().split('\n').slice(1).map((line) => line.split(','));
  const columnData = LOG_COLUMNS.map((name, k) => {
    const e = SESSION_SCHEMA[k + 1];
    const value = (v: string) => (e.converted_type === 'DATE' ? Date.parse(v) / 86_400_000 : e.type === 'BOOLEAN' ? v === 'true' || v === '1' : e.type === 'INT32' ? Number(v) : v);
    return { name, data: rows.map((f) => value(f[k])) };
  });
  const parquet = join(dir, 'made-up.parquet');
  writeFileSync(parquet, Buffer.from(parquetWriteBuffer({ columnData, schema: SESSION_SCHEMA })));
  for (const workers of [0, 2]) {
    const counts = newReadCounts();
    assert.equal(comparable(await collect(readSessions(parquet, { counts, workers, inlineBytes: 0, rangeBytes: 2000 }))), comparable(await collect(readSessions(csv))));
    assert.equal(counts.unknownCategories, expected);
  }
  assert.match(await dataErrorOf(collect(readSessions(parquet, { unknownCategories: 'error' }))), /made-up\.parquet:2: column 'context_type' has 'made_up_context_0'/);
});

test('a Parquet file lacking a column, or not Parquet at all, is a DataError naming the file', async () => {
  const dir = join(root, 'bad');
  mkdirSync(dir);
  cpSync(join(FIXTURES, 'duckdb-sessions.parquet'), join(dir, 'no-date.parquet')); // no date column, no date= folder
  assert.match(await dataErrorOf(collect(readSessions(join(dir, 'no-date.parquet')))), /no-date\.parquet: Parquet file lacks column date/);
  writeFileSync(join(dir, 'junk.parquet'), 'not parquet at all');
  assert.match(await dataErrorOf(collect(readSessions(join(dir, 'junk.parquet')))), /junk\.parquet: not a readable Parquet file/);
});

test('CLI: export --parquet into a non-empty folder is refused; inspect reads the export', () => {
  const data = join(root, 'synth', 'training_set.tar.gz');
  const out = join(root, 'cli-parquet');
  const ok = spawnSync(process.execPath, ['bin/skiptrain.js', 'export', '--logs', data, '--parquet', out], { encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  const again = spawnSync(process.execPath, ['bin/skiptrain.js', 'export', '--logs', data, '--parquet', out], { encoding: 'utf8' });
  assert.is(again.status, 1);
  assert.match(again.stderr, 'already exists and is not empty');
});

test.run();

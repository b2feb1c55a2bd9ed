import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readSessions } from '../../../src/data/read/logs.ts';
import { DateCache, parseRowText } from '../../../src/data/read/logrow.ts';
import { newReadCounts } from '../../../src/data/read/readOptions.ts';
import { CONTEXT_TYPES, LOG_COLUMNS, REASONS_END, REASONS_START } from '../../../src/data/format/columns.ts';
import { collect, EXCERPT, EXCERPT_PANDAS, excerptTest, logFile, tarGz, tempDir } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/unit/data/logs.test.ts');

withExcerpt('the real excerpt: 201 rows in 11 sessions, rows in position order', async () => {
  const sessions = await collect(readSessions(EXCERPT));
  assert.is(sessions.length, 11);
  assert.is(sessions.reduce((n, s) => n + s.rows.length, 0), 201);
  for (const s of sessions) {
    assert.is(s.rows.length, s.length);
    assert.equal(s.rows.map((r) => r.position), Array.from({ length: s.length }, (_, i) => i + 1));
  }
  // The file name carries no day, so Session.day is the first row's date (session 8 starts before midnight).
  assert.equal(sessions.map((s) => s.day === '2018-07-14'), [false, false, false, false, false, false, false, true, true, false, false]);
  assert.equal([...new Set(sessions[7].rows.map((r) => r.date))], ['2018-07-14', '2018-07-15']);
});

withExcerpt('spot-checked rows of the excerpt parse to the values in the file', async () => {
  const sessions = await collect(readSessions(EXCERPT));
  const first = sessions[0];
  assert.is(first.id, '0_00006f66-33e5-4de7-a324-2d18e439fc1e');
  assert.is(first.source, `${EXCERPT}:2`);
  // line 21: ...,20,20,t_358c9cce-…,true,true,true,false,0,1,0,0,0,0,true,16,2018-07-15,true,editorial_playlist,fwdbtn,fwdbtn
  const last = first.rows[19];
  assert.equal(
    [last.position, last.trackId, last.skip1, last.skip2, last.skip3, last.notSkipped, last.noPause, last.shuffle, last.hour, last.date, last.premium],
    [20, 't_358c9cce-7a1e-4dd4-81de-206dda80363f', true, true, true, false, true, true, 16, '2018-07-15', true],
  );
  assert.is(last.contextType, CONTEXT_TYPES.indexOf('editorial_playlist'));
  assert.is(last.reasonEnd, REASONS_END.indexOf('fwdbtn'));
  // line 22: second session, position 1, seekback 1, user_collection, trackdone → fwdbtn
  const second = sessions[1].rows[0];
  assert.is(sessions[1].source, `${EXCERPT}:22`);
  assert.equal([second.skip1, second.skip2, second.seekBack, second.hour], [false, true, 1, 14]);
  assert.is(second.contextType, CONTEXT_TYPES.indexOf('user_collection'));
  assert.is(second.reasonStart, REASONS_START.indexOf('trackdone'));
  // line 150: session 9, position 8, premium false, catalog, date 2018-07-14
  const s9 = sessions[8].rows[7];
  assert.equal([s9.position, s9.premium, s9.hour, s9.date, s9.notSkipped], [8, false, 22, '2018-07-14', true]);
  assert.is(s9.contextType, CONTEXT_TYPES.indexOf('catalog'));
});

withExcerpt('pandas re-save (True/False, DD-MM-YY dates) gives identical sessions', async () => {
  const a = await collect(readSessions(EXCERPT));
  const b = await collect(readSessions(EXCERPT_PANDAS));
  const strip = (s: { source: string }) => ({ ...s, source: '' });
  assert.equal(b.map(strip), a.map(strip));
});

test('tar.gz, folder, .csv and .csv.gz sources give identical sessions', async () => {
  const dir = tempDir();
  const day1 = logFile([['a', 3], ['b', 2]], '2018-07-15');
  const day2 = logFile([['c', 4]], '2018-07-16');
  const members = [
    { name: 'training_set/log_0_20180715_000000000000.csv', content: day1 },
    { name: 'training_set/log_0_20180716_000000000000.csv', content: day2 },
    { name: 'training_set/README.txt', content: 'not a csv: skipped' },
  ];
  writeFileSync(join(dir, 'logs.tar.gz'), await tarGz(members));
  mkdirSync(join(dir, 'folder/training_set'), { recursive: true });
  writeFileSync(join(dir, 'folder/training_set/log_0_20180716_000000000000.csv.gz'), gzipSync(day2));
  writeFileSync(join(dir, 'folder/training_set/log_0_20180715_000000000000.csv'), day1);
  writeFileSync(join(dir, 'folder/training_set/notes.txt'), 'skipped');
  writeFileSync(join(dir, 'both.csv'), day1 + day2.slice(day2.indexOf('\n') + 1));
  writeFileSync(join(dir, 'both.csv.gz'), gzipSync(readFileSync(join(dir, 'both.csv'))));

  const view = async (src: string) => (await collect(readSessions(src))).map((s) => ({ ...s, source: '', day: '' }));
  const fromTar = await view(join(dir, 'logs.tar.gz'));
  assert.equal(fromTar.map((s) => s.id), ['a', 'b', 'c']);
  assert.equal(await view(join(dir, 'folder')), fromTar);
  assert.equal(await view(join(dir, 'both.csv')), fromTar);
  assert.equal(await view(join(dir, 'both.csv.gz')), fromTar);

  const tarSessions = await collect(readSessions(join(dir, 'logs.tar.gz')));
  assert.equal(tarSessions.map((s) => s.day), ['2018-07-15', '2018-07-15', '2018-07-16']);
  assert.is(tarSessions[2].source, `${join(dir, 'logs.tar.gz')} › training_set/log_0_20180716_000000000000.csv:2`);
});

test('days keeps only the sessions of those days, and counts what was read', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'logs.tgz'),
    await tarGz([
      { name: 'training_set/log_0_20180715_000000000000.csv', content: logFile([['a', 3]], '2018-07-15') },
      { name: 'training_set/log_0_20180716_000000000000.csv', content: logFile([['b', 2], ['c', 2]], '2018-07-16') },
    ]),
  );
  const counts = newReadCounts();
  const only16 = await collect(readSessions(join(dir, 'logs.tgz'), { days: new Set(['2018-07-16']), counts }));
  assert.equal(only16.map((s) => s.id), ['b', 'c']);
  assert.is(counts.files, 1); // the 07-15 file is skipped by its name
  assert.is(counts.rows, 4);
});

withExcerpt('a file without a day in its name is filtered session by session (by the first row\'s date)', async () => {
  const fromExcerpt = await collect(readSessions(EXCERPT, { days: new Set(['2018-07-14']) }));
  assert.equal(fromExcerpt.map((s) => s.id), ['0_0002fbb5-29c2-4d54-9636-e6d15e77b58c', '0_00030fe3-298d-4930-8534-fc5a9b82971b']);
});

test('a consumer may stop early inside an archive member and read on from the next', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'logs.tar.gz'),
    await tarGz([
      { name: 'log_0_20180715_000000000000.csv', content: logFile([['a', 3], ['b', 3]]) },
      { name: 'log_0_20180716_000000000000.csv', content: logFile([['c', 2]], '2018-07-16') },
    ]),
  );
  let n = 0;
  for await (const s of readSessions(join(dir, 'logs.tar.gz'))) {
    n++;
    assert.is(s.id, 'a');
    break;
  }
  assert.is(n, 1);
  const all = await collect(readSessions(join(dir, 'logs.tar.gz')));
  assert.is(all.length, 3);
});

withExcerpt('a re-ordered header, extra columns, quoted fields and CRLF give the same sessions as the original', async () => {
  const lines = readFileSync(EXCERPT, 'utf8').trim().split('\n').map((l) => l.split(','));
  // Move the date column to the end, add a column, quote every track id, end lines with CRLF.
  const moved = lines.map((f, i) => {
    const out = [...f.slice(0, 16), ...f.slice(17), f[16], i === 0 ? 'extra' : 'x'];
    if (i > 0) out[3] = `"${out[3]}"`;
    return out.join(',');
  });
  const path = join(tempDir(), 'moved.csv');
  writeFileSync(path, moved.join('\r\n') + '\r\n');
  const strip = (s: { source: string }) => ({ ...s, source: '' });
  assert.equal((await collect(readSessions(path))).map(strip), (await collect(readSessions(EXCERPT))).map(strip));
});

withExcerpt('parseRowText, the reader’s reference for one line, reads a row and names the place of an error', () => {
  const line = readFileSync(EXCERPT_PANDAS, 'utf8').split('\n')[1];
  const layout = { positions: LOG_COLUMNS.map((_, i) => i), width: LOG_COLUMNS.length, exact: true };
  const { row } = parseRowText(line, layout, 'x.csv', 2, new DateCache('DD-MM-YY'));
  assert.is(row.date, '2018-07-15');
  assert.is(row.notSkipped, true);
  assert.throws(() => parseRowText(line.slice(line.indexOf(',') + 1), layout, 'x.csv', 2, new DateCache('DD-MM-YY')), /x\.csv:2: expected 21 fields/);
  assert.throws(() => parseRowText(line, layout, 'x.csv', 2, new DateCache('YYYY-MM-DD')), /x\.csv:2: column 'date' must be a date in YYYY-MM-DD.*'15-07-18'/);
});

test.run();

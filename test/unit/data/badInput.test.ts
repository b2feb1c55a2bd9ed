// Every kind of bad input stops with a DataError that names the file (and tar member) and the line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readSessions } from '../../../src/data/read/logs.ts';
import { newReadCounts } from '../../../src/data/read/readOptions.ts';
import { loadTrackTable, resolveTrack } from '../../../src/data/read/tracks.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { collect, dataErrorOf, LOG_HEADER, logFile, logLine, tarGz, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const MEMBER = 'training_set/log_0_20180715_000000000000.csv';

function write(name: string, content: string | Buffer): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

const readAll = (src: string, opts = {}) => collect(readSessions(src, opts));

function manySessions(n: number): [string, number][] {
  return Array.from({ length: n }, (_, i) => [`s${i}_${randomBytes(6).toString('hex')}`, 20] as [string, number]);
}

test('truncated gzip inside a tar.gz names the archive, the member and the line reached', async () => {
  const whole = await tarGz([{ name: MEMBER, content: logFile(manySessions(300)) }]);
  const path = write('logs.tar.gz', whole.subarray(0, Math.floor(whole.length / 2)));
  const msg = await dataErrorOf(readAll(path));
  const m = msg.match(/logs\.tar\.gz › training_set\/log_0_20180715_000000000000\.csv:(\d+): the gzip stream is truncated/);
  assert.ok(m, msg);
  assert.ok(Number(m![1]) > 2, msg);
});

test('truncated .csv.gz names the file and the line reached', async () => {
  const whole = gzipSync(logFile(manySessions(300)));
  const path = write('log_0_20180715_000000000000.csv.gz', whole.subarray(0, Math.floor(whole.length * 0.7)));
  assert.match(await dataErrorOf(readAll(path)), /log_0_20180715_000000000000\.csv\.gz:\d+: the gzip stream is truncated/);
});

test('a .tar.gz that is gzip of plain text is reported as not a tar archive', async () => {
  const path = write('logs.tar.gz', gzipSync(randomBytes(4000).toString('base64')));
  assert.match(await dataErrorOf(readAll(path)), /logs\.tar\.gz: not a tar archive/);
  const notGzip = write('logs2.tar.gz', 'plain text, not gzip at all\n'.repeat(40));
  assert.match(await dataErrorOf(readAll(notGzip)), /logs2\.tar\.gz: not valid gzip data/);
});

test('a row with the wrong number of fields names the member and the line', async () => {
  const text = logFile([['a', 3]]) + logLine({ session: 'b', position: 1, length: 2 }).split(',').slice(0, 20).join(',') + '\n';
  const path = write('logs.tar.gz', await tarGz([{ name: MEMBER, content: text }]));
  assert.match(await dataErrorOf(readAll(path)), new RegExp(`› ${MEMBER}:5: expected 21 fields \\(as in the header\\), found 20`));
});

test('a missing header column is named', async () => {
  const text = logFile([['a', 2]]).replace('hist_user_behavior_is_shuffle,', 'shuffle_renamed,');
  const path = write('log.csv', text);
  assert.match(await dataErrorOf(readAll(path)), /log\.csv:1: missing header column 'hist_user_behavior_is_shuffle'/);
});

test('a non-boolean where a boolean belongs', async () => {
  const text = logFile([['a', 3]]).replace(/\n(a,2,3,t_2,)false/, '\n$1maybe');
  const path = write('log.csv', text);
  assert.match(await dataErrorOf(readAll(path)), /log\.csv:3: column 'skip_1' must be true\/false \(or True\/False, 1\/0\), found 'maybe'/);
});

test('session_position out of 1..session_length, out of order, or not starting at 1', async () => {
  const row = (session: string, position: number, length: number) => logLine({ session, position, length });
  const tooFar = write('a.csv', [LOG_HEADER, row('a', 1, 2), row('a', 2, 2), row('a', 3, 2)].join('\n'));
  assert.match(await dataErrorOf(readAll(tooFar)), /a\.csv:4: session_position 3 of session a is out of 1\.\.session_length \(2\)/);
  const swapped = write('b.csv', [LOG_HEADER, row('a', 1, 3), row('a', 3, 3), row('a', 2, 3)].join('\n'));
  assert.match(await dataErrorOf(readAll(swapped)), /b\.csv:3: session_position 3 of session a is out of order \(expected 2\)/);
  const late = write('c.csv', [LOG_HEADER, row('a', 2, 3)].join('\n'));
  assert.match(await dataErrorOf(readAll(late)), /c\.csv:2: session a starts at session_position 2, expected 1/);
  const zero = write('d.csv', [LOG_HEADER, row('a', 0, 3)].join('\n'));
  assert.match(await dataErrorOf(readAll(zero)), /d\.csv:2: session a starts at session_position 0/);
});

test('a non-numeric track feature names the column and the line', async () => {
  const values = TRACK_FEATURES.map((_, i) => i + 0.5);
  const bad = trackLine('t_2', values).replace(',2.5,', ',loud,');
  const path = write('tf_000000000000.csv', [TRACK_HEADER, trackLine('t_1', values), bad].join('\n') + '\n');
  assert.match(await dataErrorOf(loadTrackTable(path)), /tf_000000000000\.csv:3: column 'us_popularity_estimate' must be a number, found 'loud'/);
});

test('unknown track ids: error names the line; zeros resolves to -1 and counts', async () => {
  const values = TRACK_FEATURES.map(() => 1);
  const tracks = await loadTrackTable(write('tf.csv', [TRACK_HEADER, trackLine('t_1', values), trackLine('t_2', values)].join('\n')));
  const logs = write('log.csv', logFile([['a', 3]])); // tracks t_1, t_2, t_3
  assert.match(await dataErrorOf(readAll(logs, { tracks })), /log\.csv:4: track 't_3' is not in the track table \(2 tracks\)/);
  const unknownCount = { rows: 0 };
  const sessions = await readAll(logs, { tracks, unknownTracks: 'zeros', unknownCount });
  assert.is(sessions[0].rows.length, 3);
  assert.is(unknownCount.rows, 1);
  assert.is(resolveTrack(tracks, 't_2', 'error', 'here'), 1);
  assert.is(resolveTrack(tracks, 't_9', 'zeros', 'here', unknownCount), -1);
  assert.is(unknownCount.rows, 2);
  assert.throws(() => resolveTrack(tracks, 't_9', 'error', 'f.csv:7'), /f\.csv:7: track 't_9'/);
});

test('out-of-range dates: error, skip-row or keep', async () => {
  const rows = [
    logLine({ session: 'a', position: 1, length: 2 }),
    logLine({ session: 'a', position: 2, length: 2, date: '2032-05-25' }),
    logLine({ session: 'b', position: 1, length: 1 }),
  ];
  const path = write('log.csv', [LOG_HEADER, ...rows].join('\n'));
  assert.match(await dataErrorOf(readAll(path, { badDates: 'error' })), /log\.csv:3: date 2032-05-25 is outside 2018-01-01 … 2018-12-31/);
  const counts = newReadCounts();
  const skipped = await readAll(path, { badDates: 'skip-row', counts });
  assert.equal(skipped.map((s) => s.rows.length), [1, 1]);
  assert.is(counts.droppedRows, 1);
  const kept = await readAll(path, { badDates: 'keep' });
  assert.is(kept[0].rows[1].date, '2032-05-25');
  const narrow = await dataErrorOf(readAll(path, { badDates: 'error', dateRange: ['2018-07-16', '2018-07-31'] }));
  assert.match(narrow, /log\.csv:2: date 2018-07-15 is outside 2018-07-16/);
  const garbage = write('g.csv', [LOG_HEADER, logLine({ session: 'a', position: 1, length: 1, date: 'yesterday' })].join('\n'));
  assert.match(await dataErrorOf(readAll(garbage)), /g\.csv:2: column 'date' must be a date in a known date format.*'yesterday'/);
});

test('a source that does not exist or has an unknown kind', async () => {
  assert.match(await dataErrorOf(readAll('/nonexistent/logs.tar.gz')), /\/nonexistent\/logs\.tar\.gz: no such file or folder/);
  const odd = write('logs.zip', 'x');
  assert.match(await dataErrorOf(readAll(odd)), /logs\.zip: expected a \.tar\.gz/);
});

test.run();

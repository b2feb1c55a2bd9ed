// dateFormat auto reads each file's slash dates in one order, decided from the whole file and its name, through
// the reader the trainer uses (readSessions / readLogBlocks), inline and on parse workers, in small and large ranges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlockReadOptions } from '../../../src/data/read/blockReader.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { collect, dataErrorOf, LOG_HEADER, logLine, tarGz, tempDir } from '../../helpers/dataFixtures.ts';

const MODES: BlockReadOptions[] = [
  { workers: 0 },
  { workers: 0, rangeBytes: 300 }, // two or three lines per range: the evidence comes ranges after the first date
  { workers: 2, inlineBytes: 0, rangeBytes: 300 },
];
const dir = tempDir();
/** Lines per file in these tests: line 1 is the header, dates[i] is on line i + 2. */
const ambiguous = (n: number, date = '05/07/2018') => Array.from({ length: n }, () => date);

/** A log file of one-row sessions, one per date, written to `name` (folders made as needed). */
function logFile(name: string, dates: string[]): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, logText(dates));
  return path;
}

function logText(dates: string[]): string {
  return [LOG_HEADER, ...dates.map((date, i) => logLine({ session: `s${i}`, position: 1, length: 1, date }))].join('\n') + '\n';
}

/** Every row's date as read, in file order. */
async function datesOf(src: string, opts: BlockReadOptions): Promise<string[]> {
  return (await collect(readSessions(src, opts))).flatMap((s) => s.rows.map((r) => r.date));
}

function noticeSink(): { lines: string[]; onNotice: (line: string) => void } {
  const lines: string[] = [];
  return { lines, onNotice: (line) => lines.push(line) };
}

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a day-first file whose first dates fit both orders: every row day first, once a later day above 12 shows it', async () => {
  const file = logFile('dm.csv', [...ambiguous(12), '06/07/2018', '25/07/2018', '05/07/2018']);
  for (const mode of MODES) {
    const notes = noticeSink();
    const dates = await datesOf(file, { ...mode, onNotice: notes.onNotice });
    assert.equal(dates, [...ambiguous(12, '2018-07-05'), '2018-07-06', '2018-07-25', '2018-07-05'], JSON.stringify(mode));
    assert.equal(notes.lines, []);
  }
});

test('a month-first file likewise: every row month first', async () => {
  const file = logFile('md.csv', [...ambiguous(12), '07/25/2018', '05/07/18']);
  for (const mode of MODES) {
    assert.equal(await datesOf(file, mode), [...ambiguous(12, '2018-05-07'), '2018-07-25', '2018-05-07'], JSON.stringify(mode));
  }
});

test('a file with both a day-first and a month-first proof fails at the second, naming the first', async () => {
  const file = logFile('mixed.csv', [...ambiguous(5), '25/07/2018', ...ambiguous(6), '07/25/2018', '01/02/2018']);
  for (const mode of MODES) {
    const message = await dataErrorOf(datesOf(file, mode));
    assert.match(message, /mixed\.csv:14: date '07\/25\/2018' can only be month first \(MM\/DD\/YYYY\), but line 7: '25\/07\/2018' can only be day first/);
    assert.match(message, /set data\.dateFormat/);
  }
  // Within one range, and with the proofs the other way round.
  const swapped = logFile('swapped.csv', ['07/25/2018', '05/07/2018', '25/07/2018']);
  assert.match(await dataErrorOf(datesOf(swapped, {})), /swapped\.csv:4: date '25\/07\/2018' can only be day first .* but line 2: '07\/25\/2018'/);
});

test('all dates fit both orders: a dated name decides (the value that reads as the name day shows the order)', async () => {
  const dayFirst = logFile('training_set/log_0_20180705_000000000000.csv', [...ambiguous(8), '06/07/2018']);
  const monthFirst = logFile('training_set/log_0_20180507_000000000000.csv', [...ambiguous(8), '05/08/2018']);
  for (const mode of MODES) {
    const notes = noticeSink();
    const how = JSON.stringify(mode);
    assert.equal(await datesOf(dayFirst, { ...mode, onNotice: notes.onNotice }), [...ambiguous(8, '2018-07-05'), '2018-07-06'], how);
    assert.equal(await datesOf(monthFirst, { ...mode, onNotice: notes.onNotice }), [...ambiguous(8, '2018-05-07'), '2018-05-08'], how);
    assert.equal(notes.lines, [], how);
  }
  // The name and a value that disagree are evidence of both orders: an error, not a pick.
  const against = logFile('training_set/log_0_20180705_000000000001.csv', [...ambiguous(3), '07/25/2018']);
  assert.match(
    await dataErrorOf(datesOf(against, { rangeBytes: 300 })),
    /log_0_20180705_000000000001\.csv:5: date '07\/25\/2018' can only be month first .* but line 2: '05\/07\/2018' reads as the file name's day 2018-07-05 only day first/,
  );
});

test('all dates fit both orders and the name has no day: month first, and the run says so in one line', async () => {
  const first = logFile('undated/a.csv', ambiguous(9));
  logFile('undated/b.csv', ambiguous(3, '03/04/2018'));
  for (const mode of MODES) {
    const notes = noticeSink();
    const how = JSON.stringify(mode);
    assert.equal(await datesOf(first, { ...mode, onNotice: notes.onNotice }), ambiguous(9, '2018-05-07'), how);
    assert.equal(notes.lines.length, 1, how);
    assert.match(notes.lines[0], /^note: .*undated\/a\.csv: its slash dates \(e\.g\. '05\/07\/2018' at line 2\) fit both .* read as month first \(MM\/DD\/YYYY\); set data\.dateFormat/);
    // Two such files in a folder, read again by the same run: still that one line.
    assert.equal(await datesOf(join(dir, 'undated'), { ...mode, onNotice: notes.onNotice }), [...ambiguous(9, '2018-05-07'), ...ambiguous(3, '2018-03-04')], how);
    assert.equal(notes.lines.length, 1, how);
  }
});

test('an archive and a folder whose files differ in order: each file is decided alone', async () => {
  const members = [
    { name: 'training_set/log_0_20180715_000000000000.csv', content: logText([...ambiguous(4), '15/07/2018']) },
    { name: 'training_set/log_1_20180715_000000000000.csv', content: logText([...ambiguous(4), '07/15/2018']) },
    { name: 'training_set/log_2_20180705_000000000000.csv', content: logText(ambiguous(4)) },
  ];
  const archive = join(dir, 'mixed.tar.gz');
  writeFileSync(archive, await tarGz(members));
  mkdirSync(join(dir, 'folder'));
  for (const m of members) writeFileSync(join(dir, 'folder', m.name.split('/')[1]), m.content);
  const expected = [...ambiguous(4, '2018-07-05'), '2018-07-15', ...ambiguous(4, '2018-05-07'), '2018-07-15', ...ambiguous(4, '2018-07-05')];
  for (const mode of MODES) {
    assert.equal(await datesOf(archive, mode), expected, `archive ${JSON.stringify(mode)}`);
    assert.equal(await datesOf(join(dir, 'folder'), mode), expected, `folder ${JSON.stringify(mode)}`);
  }
});

test('past the look-ahead the order is guessed and said; a later proof of the other order is an error at its line', async () => {
  const file = logFile('long.csv', [...ambiguous(10), '25/07/2018']);
  const notes = noticeSink();
  const message = await dataErrorOf(datesOf(file, { rangeBytes: 300, dateLookaheadRows: 4, onNotice: notes.onNotice }));
  assert.match(notes.lines.join('\n'), /long\.csv: .* no date before line 8 \(as far as the reader looks ahead\) shows which order .* month first/);
  assert.match(message, /long\.csv:12: date '25\/07\/2018' can only be day first .* the dates before it fit both orders and were read month first \(MM\/DD\/YYYY\), as no date before line 8 showed which: set data\.dateFormat to DD\/MM\/YYYY/);
  // Within the look-ahead the same file is simply day first.
  assert.equal(await datesOf(file, { rangeBytes: 300 }), [...ambiguous(10, '2018-07-05'), '2018-07-25']);
});

test('ISO files and explicit formats read as before: no look-ahead notice, no per-file order', async () => {
  const notes = noticeSink();
  const iso = logFile('iso.csv', ['2018-07-05', '2018-07-25']);
  assert.equal(await datesOf(iso, { rangeBytes: 300, dateLookaheadRows: 0, onNotice: notes.onNotice }), ['2018-07-05', '2018-07-25']);
  const named = logFile('training_set/log_0_20180705_000000000002.csv', ambiguous(3));
  assert.equal(await datesOf(named, { dateFormat: 'MM/DD/YYYY' }), ambiguous(3, '2018-05-07'));
  const mixed = join(dir, 'mixed.csv');
  assert.equal(await datesOf(mixed, { dateFormat: 'DD/MM/YYYY', badDates: 'keep' }).catch((e: Error) => e.message), `${mixed}:14: column 'date' must be a date in DD/MM/YYYY (see data.dateFormat), found '07/25/2018'`);
  assert.equal(notes.lines, []);
});

test.run();

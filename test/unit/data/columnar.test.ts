// The columnar reader (byte ranges → parse workers → blocks) against the row reader it replaced
// (test/helpers/referenceReader.ts): the same sessions, counts and errors (file, tar entry, line) on the real excerpt
// in both spellings, on synthetic archives and folders, on categorical values outside their vocabulary, and on every
// bad input — parsed inline, in many small ranges (sessions cut across range ends), and on one and two workers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { BlockReadOptions } from '../../../src/data/read/blockReader.ts';
import { LOG_COLUMN } from '../../../src/data/format/columns.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { newReadCounts, type ReadLogOptions } from '../../../src/data/read/readOptions.ts';
import { Rng } from '../../../src/util/rng.ts';
import { randomSessions, randomTracks } from '../../helpers/sessions.ts';
import { referenceSessions } from '../../helpers/referenceReader.ts';
import { writeLogCsv, writeTarGz } from '../../helpers/logFiles.ts';
import { collect, EXCERPT, EXCERPT_PANDAS, excerptTest, LOG_HEADER, logFile, logLine, madeUpCategories, tarGz } from '../../helpers/dataFixtures.ts';

const MODES: BlockReadOptions[] = [
  { workers: 0 },
  { workers: 0, rangeBytes: 300 },
  { workers: 1, inlineBytes: 0, rangeBytes: 20_000 },
  { workers: 2, inlineBytes: 0, rangeBytes: 3000 },
];
const MEMBER = 'training_set/log_0_20180715_000000000000.csv';
const rng = new Rng(9);
const tracks = randomTracks(30, rng);
let dir = '';
let archive = '';

async function messageOf(it: AsyncIterable<unknown>): Promise<string> {
  try {
    await collect(it);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'no error';
}

/** Reads `src` with the reference and with every mode: equal sessions and counts, or the same error. */
async function same(src: string, opts: ReadLogOptions = {}, what = src): Promise<string> {
  const refCounts = newReadCounts();
  let expected: unknown;
  try {
    expected = await collect(referenceSessions(src, { ...opts, counts: refCounts }));
  } catch (e) {
    expected = e;
  }
  for (const mode of MODES) {
    const counts = newReadCounts();
    const how = `${what} ${JSON.stringify(mode)}`;
    if (expected instanceof Error) {
      assert.is(await messageOf(readSessions(src, { ...opts, ...mode, counts })), `${expected.name}: ${expected.message}`, how);
    } else {
      assert.equal(await collect(readSessions(src, { ...opts, ...mode, counts })), expected, how);
      assert.equal(counts, refCounts, how);
    }
  }
  return expected instanceof Error ? expected.message : 'ok';
}

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-columnar-'));
  await mkdir(join(dir, 'csv'));
  const files: Record<string, string> = {};
  for (let d = 0; d < 3; d++) {
    const day = `2018-07-1${5 + d}`;
    const sessions = randomSessions(d === 0 ? 600 : 40, tracks, rng, day).map((s) => ({ ...s, id: `${d}_${s.id}` }));
    sessions[7].rows[2].date = '2032-05-25';
    const name = `log_0_${day.replaceAll('-', '')}_000000000000.csv`;
    await writeLogCsv(join(dir, 'csv', name), sessions);
    files[`training_set/${name}`] = join(dir, 'csv', name);
  }
  archive = join(dir, 'logs.tar.gz');
  await writeTarGz(archive, files);
});

const withExcerpt = excerptTest(test, 'test/unit/data/columnar.test.ts');

/** The real excerpt where it is available; elsewhere generated rows of the same shape (two days, 208 rows). */
async function baseLogText(): Promise<string> {
  if (EXCERPT) return readFile(EXCERPT, 'utf8');
  const first = logFile([['d1a', 20], ['d1b', 8]], '2018-07-14');
  const second = logFile(Array.from({ length: 9 }, (_, i): [string, number] => [`d2${i}`, 20]), '2018-07-15');
  return first + second.slice(second.indexOf('\n') + 1);
}

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

withExcerpt('the real excerpt in both spellings, with days, date ranges and every badDates policy', async () => {
  for (const src of [EXCERPT, EXCERPT_PANDAS]) {
    for (const opts of [
      {},
      { days: new Set(['2018-07-14']) },
      { badDates: 'keep' as const, dateRange: ['2018-07-15', '2018-07-15'] as const },
      { badDates: 'skip-row' as const, dateRange: ['2018-07-15', '2018-07-15'] as const },
    ]) {
      assert.is(await same(src, opts), 'ok');
    }
  }
});

test('synthetic archive and folder: sessions, order and counts, days and badDates', async () => {
  for (const [opts, src] of [
    [{}, archive],
    [{}, join(dir, 'csv')],
    [{ days: new Set(['2018-07-17', '2018-07-16']) }, archive],
    [{ badDates: 'keep' }, join(dir, 'csv')],
    [{ tracks }, archive], // track ids found in the table by the parser, from their bytes
    [{ tracks: randomTracks(25, new Rng(9)), unknownTracks: 'zeros' }, archive],
  ] as [ReadLogOptions, string][]) {
    assert.is(await same(src, opts), 'ok');
  }
  let calls = 0;
  const counts = newReadCounts();
  await collect(readSessions(archive, { counts, workers: 1, inlineBytes: 0, rangeBytes: 4096, onProgress: (p) => (calls++, assert.ok(p.rows <= counts.rows)) }));
  assert.ok(calls > 10, 'progress once per range');
});

test('CRLF, a BOM, blank lines, a last line without newline, quoted fields, a re-ordered header', async () => {
  const lines = (await baseLogText()).trimEnd().split('\n');
  const odd = [...lines];
  odd.splice(30, 0, '', '');
  assert.is(await same(write('odd.csv', '\ufeff' + odd.join('\r\n')), { badDates: 'skip-row', dateRange: ['2018-07-15', '2018-07-15'] }), 'ok');
  const quoted = [...lines];
  quoted[5] = quoted[5].replace('true', '"true"');
  quoted[9] = quoted[9].replace(/^([^,]+),/, '"$1",');
  assert.is(await same(write('quoted.csv', quoted.join('\n'))), 'ok');
  const cols = lines.map((l) => l.split(',').reverse().join(','));
  assert.is(await same(write('reversed.csv', cols.join('\n'))), 'ok');
  const spellings = lines.map((l, i) => {
    if (i === 0 || i % 3 !== 0) return l;
    const f = l.split(',');
    f[1] = `+${f[1]}`; // session_position
    f[12] = `0${f[12]}`; // seek count
    f[4] = f[4].toUpperCase(); // skip_1
    return f.join(',');
  });
  assert.is(await same(write('spellings.csv', spellings.join('\n'))), 'ok');
});

test('values outside a vocabulary: counted per column as the reference counts them, or refused at their line', async () => {
  const { text, expected, first } = madeUpCategories(await baseLogText());
  const src = write('made-up.csv', text);
  assert.is(await same(src), 'ok');
  const counts = newReadCounts();
  await collect(readSessions(src, { counts }));
  assert.equal(counts.unknownCategories, expected);
  assert.equal(counts.unknownCategories.context_type.examples.length, 3, 'four made-up values, three examples kept');
  // A quoted field sends its line through the reference parser inside the range parser.
  const quoted = text.split('\n').map((l, i) => (i % 2 === 1 ? l.replace(/,([^,]*)$/, ',"$1"') : l));
  assert.is(await same(write('made-up-quoted.csv', quoted.join('\n'))), 'ok');
  // Rows dropped for their date and sessions of other days are not counted.
  for (const opts of [{ badDates: 'skip-row', dateRange: ['2018-07-15', '2018-07-15'] }, { days: new Set(['2018-07-14']) }] as ReadLogOptions[]) {
    assert.is(await same(src, opts), 'ok');
    const part = newReadCounts();
    await collect(readSessions(src, { ...opts, counts: part }));
    const rows = part.unknownCategories.context_type.rows;
    assert.ok(rows > 0 && rows < expected.context_type.rows, `${JSON.stringify(opts)}: ${rows} of ${expected.context_type.rows}`);
  }
  const refused = await same(src, { unknownCategories: 'error' });
  assert.match(refused, `made-up.csv:${first.line}: column '${first.column}' has '${first.value}', which is not one of its values (editorial_playlist,`);
  assert.match(refused, /set data\.unknownCategories: other/);
  assert.match(await same(write('made-up-quoted.csv', quoted.join('\n')), { unknownCategories: 'error' }), `made-up-quoted.csv:${first.line}: column '${first.column}'`);
  // Deep in the file: the rows before it are read (their own errors first), the value is named at its line.
  const lines = (await baseLogText()).split('\n');
  const fields = lines[150].split(',');
  fields[LOG_COLUMN.hist_user_behavior_reason_start] = 'brand_new';
  lines[150] = fields.join(',');
  assert.match(await same(write('late.csv', lines.join('\n')), { unknownCategories: 'error' }), /late\.csv:151: column 'hist_user_behavior_reason_start' has 'brand_new'/);
});

test('every bad input fails with the reader’s own message', async () => {
  const row = (session: string, position: number, length: number) => logLine({ session, position, length });
  const lines = (await baseLogText()).split('\n');
  const edited = (edit: (l: string[]) => void) => {
    const copy = [...lines];
    edit(copy);
    return copy.join('\n');
  };
  const cases: [string, string | Buffer][] = [
    ['fields.csv', logFile([['a', 3]]) + row('b', 1, 2).split(',').slice(0, 20).join(',') + '\n'],
    ['extra-field.csv', edited((l) => (l[5] = l[5] + ',extra'))],
    ['header.csv', logFile([['a', 2]]).replace('hist_user_behavior_is_shuffle,', 'shuffle_renamed,')],
    ['boolean.csv', logFile([['a', 3]]).replace(/\n(a,2,3,t_2,)false/, '\n$1maybe')],
    ['boolean-late.csv', edited((l) => (l[150] = l[150].replace(/,(true|false),/, ',yes,')))],
    ['too-far.csv', [LOG_HEADER, row('a', 1, 2), row('a', 2, 2), row('a', 3, 2)].join('\n')],
    ['swapped.csv', [LOG_HEADER, row('a', 1, 3), row('a', 3, 3), row('a', 2, 3)].join('\n')],
    ['late.csv', [LOG_HEADER, row('a', 2, 3)].join('\n')],
    ['zero.csv', [LOG_HEADER, row('a', 0, 3)].join('\n')],
    ['order.csv', edited((l) => ([l[5], l[6]] = [l[6], l[5]]))],
    ['length-change.csv', [LOG_HEADER, row('a', 1, 3), row('a', 2, 4)].join('\n')],
    ['length-range.csv', [LOG_HEADER, row('a', 1, 21)].join('\n')],
    ['hour.csv', [LOG_HEADER, row('a', 1, 1).replace(',16,', ',24,')].join('\n')],
    ['int.csv', [LOG_HEADER, row('a', 1, 1).replace(/^a,1,/, 'a,one,')].join('\n')],
    ['garbage-date.csv', [LOG_HEADER, logLine({ session: 'a', position: 1, length: 1, date: 'yesterday' })].join('\n')],
    ['empty.csv', ''],
    ['blank.csv', '\n\r\n\n'],
    ['logs.zip', 'x'],
  ];
  for (const [name, content] of cases) {
    const msg = await same(write(name, content), {}, name);
    assert.ok(msg !== 'ok', `${name} should fail`);
  }
  const dates = [LOG_HEADER, row('a', 1, 2), logLine({ session: 'a', position: 2, length: 2, date: '2032-05-25' }), row('b', 1, 1)].join('\n');
  assert.match(await same(write('dates.csv', dates), { badDates: 'error' }), /dates\.csv:3: date 2032-05-25/);
  const inTar = write('member.tar.gz', await tarGz([{ name: MEMBER, content: logFile([['a', 3]]) + row('b', 2, 2) + '\n' }]));
  assert.match(await same(inTar), /member\.tar\.gz › training_set\/log_0_20180715_000000000000\.csv:5: session b starts/);
  const small = randomTracks(25, new Rng(9)); // t_25 … t_29 are unknown to it
  assert.match(await same(join(dir, 'csv'), { tracks: small }), /track 't_2[5-9]' is not in the track table/);
  const countA = { rows: 0 };
  const countB = { rows: 0 };
  await collect(referenceSessions(join(dir, 'csv'), { tracks: small, unknownTracks: 'zeros', unknownCount: countA }));
  await collect(readSessions(join(dir, 'csv'), { tracks: small, unknownTracks: 'zeros', unknownCount: countB, workers: 2, inlineBytes: 0, rangeBytes: 999 }));
  assert.ok(countA.rows > 0);
  assert.is(countB.rows, countA.rows);
  assert.match(await same(write('not-tar.tar.gz', gzipSync(randomBytes(4000).toString('base64')))), /not a tar archive/);
  assert.match(await same(write('not-gzip.tar.gz', 'plain text, not gzip at all\n'.repeat(40))), /not valid gzip data/);
  assert.match(await same('/nonexistent/logs.tar.gz'), /no such file or folder/);
});

test('a truncated archive names the member and a line reached (the line depends on where reading stopped)', async () => {
  const whole = await readFile(archive);
  const cut = write('cut.tar.gz', whole.subarray(0, whole.length >> 1));
  const shape = (m: string) => m.replace(/:\d+: /, ':N: ').replace(/line \d+/, 'line N');
  const expected = await messageOf(referenceSessions(cut));
  assert.match(expected, /cut\.tar\.gz › training_set\/log_0_20180715_000000000000\.csv:\d+: the gzip stream is truncated/);
  for (const mode of MODES) {
    const msg = await messageOf(readSessions(cut, mode));
    assert.is(shape(msg), shape(expected));
    const line = Number(msg.match(/csv:(\d+):/)![1]);
    assert.ok(line > 2 && line === Number(msg.match(/line (\d+)\)/)![1]), msg);
  }
});

test('stopping early ends the workers; they start when tsx is registered through its API (as bin/skiptrain.js does)', async () => {
  let n = 0;
  for await (const _ of readSessions(archive, { workers: 2, inlineBytes: 0, rangeBytes: 2000 })) if (++n === 3) break;
  assert.is(n, 3);
  const script = [
    "import { register } from 'tsx/esm/api';",
    'register();',
    "const { readSessions } = await import('./src/data/read/logs.ts');",
    'let n = 0;',
    `for await (const s of readSessions(${JSON.stringify(archive)}, { workers: 2, inlineBytes: 0, rangeBytes: 5000 })) n++;`,
    'console.log(n);',
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
  assert.is(Number(stdout.trim()), (await collect(referenceSessions(archive))).length);
});

test.run();

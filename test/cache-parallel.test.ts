// The two-thread reader yields exactly what readSessions yields, and fails with exactly its messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newReadCounts, readSessions, type ReadLogOptions } from '../src/data/logs.ts';
import { readSessionsParallel } from '../src/data/parallel/reader.ts';
import { Rng } from '../src/util/rng.ts';
import { randomSessions, randomTracks } from './helpers/sessions.ts';
import { writeLogCsv, writeTarGz } from './cache/logFiles.ts';
import { collect } from './data/fixtures.ts';
import { rejectsWith } from './cache/rejects.ts';

const rng = new Rng(9);
const tracks = randomTracks(30, rng);
let dir = '';
let archive = '';

async function failure(read: (src: string, o: ReadLogOptions) => AsyncIterable<unknown>, src: string, o: ReadLogOptions = {}): Promise<string> {
  const e = await rejectsWith(() => collect(read(src, o)), /./);
  return e.message;
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-parallel-'));
  await mkdir(join(dir, 'csv'));
  const files: Record<string, string> = {};
  for (let d = 0; d < 3; d++) {
    const day = `2018-07-1${5 + d}`;
    // 5000 sessions on the first day: more than one block, so block boundaries are crossed
    const sessions = randomSessions(d === 0 ? 4200 : 40, tracks, rng, day).map((s) => ({ ...s, id: `${d}_${s.id}` }));
    sessions[7].rows[2].date = '2032-05-25';
    const name = `log_0_${day.replaceAll('-', '')}_000000000000.csv`;
    await writeLogCsv(join(dir, 'csv', name), sessions);
    files[`training_set/${name}`] = join(dir, 'csv', name);
  }
  archive = join(dir, 'logs.tar.gz');
  await writeTarGz(archive, files);
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('same sessions, order, counts and progress as readSessions (archive, folder, days, badDates)', async () => {
  const cases: [ReadLogOptions, string][] = [
    [{}, archive],
    [{}, join(dir, 'csv')],
    [{ days: new Set(['2018-07-17', '2018-07-16']) }, archive],
    [{ badDates: 'keep' }, join(dir, 'csv')],
  ];
  for (const [opts, src] of cases) {
    {
      const a = { ...opts, counts: newReadCounts() };
      const b = { ...opts, counts: newReadCounts() };
      let progressA = 0;
      let progressB = 0;
      const serial = await collect(readSessions(src, { ...a, onProgress: () => progressA++ }));
      const parallel = await collect(readSessionsParallel(src, { ...b, onProgress: () => progressB++ }, 1));
      assert.ok(serial.length > 0);
      assert.equal(parallel, serial);
      assert.equal(b.counts, a.counts);
      assert.is(progressB, progressA);
      // two threads, each parsing every other file
      const c = { ...opts, counts: newReadCounts() };
      assert.equal(await collect(readSessionsParallel(src, c, 2)), serial);
      assert.equal(c.counts, a.counts);
    }
  }
});

test('a malformed row fails with the same file:line message', async () => {
  const name = 'log_0_20180715_000000000000.csv';
  const text = await readFile(join(dir, 'csv', name), 'utf8');
  const lines = text.split('\n').slice(0, 300);
  lines[250] = lines[250].replace(/,(true|false),/, ',maybe,');
  const badDir = join(dir, 'bad');
  await mkdir(badDir, { recursive: true });
  await writeFile(join(badDir, name), lines.join('\n'));
  const badArchive = join(dir, 'bad.tar.gz');
  await writeTarGz(badArchive, { [`training_set/${name}`]: join(badDir, name) });
  for (const src of [badArchive, badDir]) {
    const expected = await failure(readSessions, src);
    assert.match(expected, new RegExp(`${name}:251: column '\\w+' must be true/false`));
    assert.is(await failure(readSessionsParallel, src), expected);
    assert.is(await failure((p, o) => readSessionsParallel(p, o, 2), src), expected);
  }
  // a truncated archive and a missing file, too
  const whole = await readFile(archive);
  await writeFile(join(dir, 'cut.tar.gz'), whole.subarray(0, whole.length >> 1));
  for (const src of [join(dir, 'cut.tar.gz'), join(dir, 'nope.tar.gz')]) {
    assert.is(await failure(readSessionsParallel, src), await failure(readSessions, src));
  }
});

test('unknown tracks are checked against the table with the row’s line, as readSessions does', async () => {
  const small = randomTracks(25, new Rng(9)); // t_25 … t_29 are unknown to it
  const src = join(dir, 'csv');
  const expected = await failure(readSessions, src, { tracks: small });
  assert.match(expected, /t_2[5-9]/);
  assert.is(await failure(readSessionsParallel, src, { tracks: small }), expected);
  const countA = { rows: 0 };
  const countB = { rows: 0 };
  await collect(readSessions(src, { tracks: small, unknownTracks: 'zeros', unknownCount: countA }));
  await collect(readSessionsParallel(src, { tracks: small, unknownTracks: 'zeros', unknownCount: countB }));
  assert.ok(countA.rows > 0);
  assert.is(countB.rows, countA.rows);
});

test('stopping early ends the worker; works when tsx is registered through its API (as bin/skiptrain.js does)', async () => {
  let n = 0;
  for await (const _ of readSessionsParallel(archive)) if (++n === 3) break;
  assert.is(n, 3);
  const script = [
    "import { register } from 'tsx/esm/api';",
    'register();',
    "const { readSessionsParallel } = await import('./src/data/parallel/reader.ts');",
    'let n = 0;',
    `for await (const s of readSessionsParallel(${JSON.stringify(archive)})) n++;`,
    'console.log(n);',
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
  assert.is(Number(stdout.trim()), (await collect(readSessions(archive))).length);
});

test.run();

// One changed byte in the files that sharded passes and exports leave for a later command: the partial-*.json files
// that `skiptrain merge` reads (all four kinds: a merge stops with one line naming the file and the worker to run
// again; partials from before the CRC are read with one note), and the Parquet files of `export --parquet` read back
// as input (a part that no longer matches the export's _checksums.json, or damaged checksums, stop the read naming
// the file). Never a merged count or a row that silently differs. (A run's and a cache's files: damagedFiles.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSessions } from '../../../src/data/read/logs.ts';
import { EXPORT_CHECKSUMS_NAME } from '../../../src/data/format/exportChecksums.ts';
import { exportParquet } from '../../../src/data/export/exportParquet.ts';
import { partialFileName, partialStamp, readPartials, writePartial, type PartialKind } from '../../../src/data/passes/partials.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { collect, dataErrorOf, logFile, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';
import { changeText, flipByte, oneErrorLine, runCli } from '../../helpers/faults.ts';

const root = tempDir();
const logs = join(root, 'logs');
mkdirSync(logs);
for (const [file, day] of [['a', '2018-07-15'], ['b', '2018-07-16']]) {
  writeFileSync(join(logs, `log_${file}_${day.replaceAll('-', '')}_000000000000.csv`), logFile([[`${file}1`, 3], [`${file}2`, 12], [`${file}3`, 20]], day));
}
const tracks = join(root, 'tracks.csv');
writeFileSync(tracks, [TRACK_HEADER, ...Array.from({ length: 20 }, (_, i) => trackLine(`t_${i + 1}`, TRACK_FEATURES.map((_, f) => (i + f) % 5)))].join('\n'));
const KINDS: PartialKind[] = ['stats', 'cache', 'inspect', 'explore'];

test.after(() => rmSync(root, { recursive: true, force: true }));

test('merge of partial statistics with a changed count: one error line naming the file and the worker to run again', async () => {
  const dir = join(root, 'shards');
  for (const shard of ['0/2', '1/2']) {
    const r = await runCli(['prepare', '--logs', logs, '--tracks', tracks, '--out', dir, '--shard', shard]);
    assert.is(r.code, 0, r.stderr);
  }
  const file = join(dir, partialFileName('stats', { index: 1, of: 2 }));
  changeText(file, '"sessions":3', '"sessions":4');
  const line = oneErrorLine(await runCli(['merge', dir]));
  assert.is(line, `error: ${file}: this partial result is corrupt (its CRC-32C does not match its content): run its worker again (--shard 1/2), then merge`);
});

test('every kind of partial: one changed bit, in a count or anywhere, is refused, naming the file', async () => {
  for (const kind of KINDS) {
    const dir = join(root, `kind-${kind}`);
    mkdirSync(dir);
    const shard = { index: 0, of: 1 };
    const path = await writePartial(dir, await partialStamp(kind, logs, '', { days: null }, shard), { sessions: 6, rows: 35, mean: [0.25, 1.5] });
    assert.is((await readPartials(dir, kind, () => {})).length, 1);
    const text = readFileSync(path);
    // 35 → 34 rows and a digit of the creation time (valid JSON, other content); a byte in the middle (either).
    for (const at of [text.indexOf('"rows":35') + 8, text.indexOf('"result"') - 3, text.length >> 1]) {
      flipByte(path, at, 0x01);
      const message = await dataErrorOf(readPartials(dir, kind, () => {}));
      assert.ok(message.startsWith(`${path}: this partial result is corrupt (its CRC-32C does not match its content): `) || message.startsWith(`${path}: cannot read this partial result (`), message);
      assert.ok(message.endsWith(': run its worker again (--shard 0/1), then merge'), message);
      flipByte(path, at, 0x01); // back as written
    }
  }
});

test('partials from before the CRC (format version 2) are read unchecked, with one note for the run', async () => {
  const dir = join(root, 'version-2');
  mkdirSync(dir);
  for (const index of [0, 1]) {
    const path = await writePartial(dir, await partialStamp('stats', logs, '', { days: null }, { index, of: 2 }), { sessions: index });
    const { manifestCrc32c: _crc, ...old } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...old, version: 2 }));
  }
  const notes: string[] = [];
  const parts = await readPartials<{ sessions: number }>(dir, 'stats', (l) => notes.push(l));
  assert.equal(parts.map((p) => p.result.sessions), [0, 1]);
  assert.is(notes.length, 1, notes.join('\n'));
  assert.match(notes[0], /^note: .*partial-stats-0-of-2\.json is a version 2 partial result \(written before partials carried a CRC-32C\): read without verification/);
});

test('a Parquet export read back: a changed byte in a part or in _checksums.json stops the read naming the file; intact, every row', async () => {
  const out = join(root, 'parquet');
  await exportParquet(readSessions(logs), out);
  const source = await collect(readSessions(logs));
  assert.is((await collect(readSessions(out))).length, source.length);
  const [part] = readdirSync(join(out, 'day=2018-07-16'));
  const partPath = join(out, 'day=2018-07-16', part);
  flipByte(partPath);
  const line = oneErrorLine(await runCli(['inspect', '--logs', out]));
  assert.match(line, new RegExp(`^error: ${out} › day=2018-07-16/${part}: Parquet file is corrupt \\(CRC-32C 0x[0-9a-f]{8}, ${join(out, EXPORT_CHECKSUMS_NAME)} says 0x[0-9a-f]{8}\\): export it again$`));
  flipByte(partPath);
  const checksums = join(out, EXPORT_CHECKSUMS_NAME);
  flipByte(checksums, readFileSync(checksums, 'utf8').indexOf('day=2018-07-16') + 5);
  assert.is(
    await dataErrorOf(collect(readSessions(out))),
    `${checksums}: the checksums of this Parquet export are damaged (their CRC-32C does not match their content): export it again, or delete this file to read the export unchecked`,
  );
});

test.run();

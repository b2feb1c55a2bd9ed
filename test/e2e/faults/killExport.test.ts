// kill -9 during `skiptrain export --parquet OUT`: the child is SIGKILLed the moment its first part file appears in
// the export's temp folder (.OUT.<pid>.tmp/); the kill landed mid-write (that part is still there, unfinished) and
// OUT does not exist. The half-written part never passes for a complete one: read on its own it is refused, naming
// it. The next export into OUT succeeds, removes the killed export's temp folder, and holds exactly the source's
// sessions and rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSessions } from '../../../src/data/read/logs.ts';
import { EXPORT_CHECKSUMS_NAME } from '../../../src/data/format/exportChecksums.ts';
import type { Session } from '../../../src/data/format/types.ts';
import { collect, dataErrorOf, logFile, tempDir } from '../../helpers/dataFixtures.ts';
import { killWhenAppears, runCli } from '../../helpers/faults.ts';

const root = tempDir();
const logs = join(root, 'logs');
mkdirSync(logs);
for (const [file, day] of [['a', '2018-07-15'], ['b', '2018-07-16']]) {
  const sessions = Array.from({ length: 2000 }, (_, i) => [`${file}${i}`, 10 + (i % 11)] as [string, number]);
  writeFileSync(join(logs, `log_${file}_${day.replaceAll('-', '')}_000000000000.csv`), logFile(sessions, day));
}

/** Sessions without where they were read from (a file and line that differ by design), in id order. */
const comparable = (sessions: Session[]) => sessions.map(({ source: _source, ...s }) => s).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

test.after(() => rmSync(root, { recursive: true, force: true }));

test('kill -9 mid-part: no export and a refused half-part; the next export removes the leftovers and has every row', async () => {
  const out = join(root, 'parquet');
  const temps = () => readdirSync(root).filter((name) => name.startsWith('.parquet.') && name.endsWith('.tmp'));
  const firstPart = () => {
    const [temp] = temps();
    const day = temp && join(root, temp, 'day=2018-07-15');
    return day && existsSync(join(day, 'part-00000.parquet')) ? join(day, 'part-00000.parquet') : undefined;
  };
  const args = ['export', '--logs', logs, '--parquet', out];
  const { path } = await killWhenAppears(args, firstPart);
  assert.ok(existsSync(path), 'killed while the first part was being written');
  assert.not.ok(existsSync(out), 'nothing exported');
  const half = join(root, 'half', 'part-00000.parquet');
  mkdirSync(join(root, 'half'));
  copyFileSync(path, half);
  assert.match(await dataErrorOf(collect(readSessions(half))), /part-00000\.parquet: not a readable Parquet file/);

  const again = await runCli(args);
  assert.is(again.code, 0, again.stderr);
  assert.equal(temps(), [], 'the killed export\'s temp folder is gone');
  assert.equal(readdirSync(out).sort(), [EXPORT_CHECKSUMS_NAME, 'day=2018-07-15', 'day=2018-07-16']);
  const source = comparable(await collect(readSessions(logs)));
  const exported = comparable(await collect(readSessions(out)));
  assert.is(exported.length, 4000);
  assert.is(exported.reduce((n, s) => n + s.rows.length, 0), source.reduce((n, s) => n + s.rows.length, 0));
  assert.equal(exported, source);
});

test.run();

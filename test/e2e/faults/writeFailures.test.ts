// Commands whose output cannot be written: statistics JSON, the session cache and a Parquet export on a full disk, a
// JSON on a read-only one, and into a folder that is not there. Each exits 1 with one `error:` line naming the path
// and what was kept — no stack trace — and leaves no temp file, half-written shard or partial export behind. The
// disk cases need a tmpfs mount (root) and are skipped with a notice elsewhere. (Training: test/e2e/faults/fullDisk.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { logFile, tarGz, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';
import { fillUp, mountTmpfs, tmpfsTest } from '../../helpers/tmpfs.ts';

const dir = tempDir();
const logs = join(dir, 'training_set.tar.gz');
writeFileSync(logs, await tarGz([{ name: 'training_set/log_0_20180715_000000000000.csv', content: logFile([['a', 3], ['b', 4]]) }]));
const tracks = join(dir, 'tf.csv');
writeFileSync(tracks, [TRACK_HEADER, ...['t_1', 't_2', 't_3', 't_4'].map((id, i) => trackLine(id, TRACK_FEATURES.map(() => i)))].join('\n'));

/** Runs a command; asserts it failed with exactly `line` as its error and no stack trace. */
function failsWith(args: string[], line: string): void {
  const r = spawnSync(process.execPath, ['bin/skiptrain.js', ...args], { encoding: 'utf8' });
  assert.is(r.status, 1, r.stderr);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')), [`error: ${line}`]);
  assert.not.match(r.stderr, /^\s+at /m, 'no stack trace');
}

const prepare = (...args: string[]) => ['prepare', '--logs', logs, '--tracks', tracks, ...args];

test('output into a folder that is not there: the path and ENOENT', () => {
  const out = join(dir, 'gone', 'stats.json');
  failsWith(prepare('--out', out), `cannot write ${out}: no such file or directory (ENOENT); the previous file, if any, is unchanged`);
});

const withTmpfs = tmpfsTest(test, 'test/e2e/faults/writeFailures.test.ts');

withTmpfs('a full disk: stats JSON, cache and Parquet export each fail in one line and leave nothing half-written', () => {
  const disk = mountTmpfs('size=1m');
  try {
    fillUp(disk.dir);
    const stats = join(disk.dir, 'stats.json');
    failsWith(prepare('--out', stats), `cannot write ${stats}: no space left on device (ENOSPC); the previous file, if any, is unchanged`);

    const cache = join(disk.dir, 'cache');
    failsWith(
      prepare('--out', join(dir, 'stats.json'), '--cache', cache),
      `cannot write ${join(cache, 'shard-00000.skb')}: no space left on device (ENOSPC); the cache in ${cache} is incomplete (no manifest): the next run builds it again`,
    );
    assert.equal(readdirSync(cache), [], 'no half-written shard');

    const parquet = join(disk.dir, 'parquet');
    failsWith(
      ['export', '--logs', logs, '--parquet', parquet],
      `cannot write ${join(parquet, 'day=2018-07-15', 'part-00000.parquet')}: no space left on device (ENOSPC); nothing was exported to ${parquet} (the partial files were removed)`,
    );
    assert.equal(readdirSync(disk.dir).sort(), ['cache', 'filler'], 'no partial export, no temp file');

    disk.remount('ro');
    const readOnly = join(disk.dir, 'stats.json');
    failsWith(prepare('--out', readOnly), `cannot write ${readOnly}: read-only file system (EROFS); the previous file, if any, is unchanged`);
  } finally {
    disk.unmount();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

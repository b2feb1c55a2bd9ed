// The cache against the ordinary reader on real files: equal sessions, day filtering, stale caches rebuilt, damaged
// shards and manifests noticed by their CRC-32C, and caches from before the CRCs still read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachStats, buildCache, ensureCache, openCache, readCachedBlocks, readCachedSessions } from '../../../../src/data/cache/cache.ts';
import { readSessions } from '../../../../src/data/read/logs.ts';
import { DataError } from '../../../../src/errors.ts';
import { crc32c } from '../../../../src/util/crc32c.ts';
import { withManifestCrc } from '../../../../src/util/manifestCrc.ts';
import type { Session } from '../../../../src/data/format/types.ts';
import { Rng } from '../../../../src/util/rng.ts';
import { randomSessions, randomTracks, statsOf } from '../../../helpers/sessions.ts';
import { writeLogCsv, writeTarGz } from '../../../helpers/logFiles.ts';
import { collect } from '../../../helpers/dataFixtures.ts';

const rng = new Rng(5);
const tracks = randomTracks(40, rng);
let dir = '';
let archive = '';
let tracksPath = '';

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-cache-'));
  const day1 = randomSessions(60, tracks, rng, '2018-07-15');
  const day2 = randomSessions(50, tracks, rng, '2018-07-16').map((s) => ({ ...s, id: `1_${s.id}` }));
  day1[2].rows[0].trackId = 't_unknown_to_the_table';
  day1[4].rows[3].date = '2032-05-25'; // dropped by the default badDates = skip-row
  await mkdir(join(dir, 'csv'));
  await writeLogCsv(join(dir, 'csv', 'log_0_20180715_000000000000.csv'), day1);
  await writeLogCsv(join(dir, 'csv', 'log_0_20180716_000000000000.csv'), day2);
  archive = join(dir, 'logs.tar.gz');
  await writeTarGz(archive, {
    'training_set/log_0_20180715_000000000000.csv': join(dir, 'csv', 'log_0_20180715_000000000000.csv'),
    'training_set/log_0_20180716_000000000000.csv': join(dir, 'csv', 'log_0_20180716_000000000000.csv'),
  });
  tracksPath = join(dir, 'tracks.csv');
  await writeFile(tracksPath, 'track_id\n'); // only its identity (size, mtime) matters here
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const parallel of [false, true]) {
  test(`cached sessions equal readSessions, all fields, archive and folder (workers=${parallel ? 2 : 0})`, async () => {
    for (const logs of [archive, join(dir, 'csv')]) {
      const cacheDir = join(dir, `cache-${parallel}-${logs === archive ? 'tgz' : 'dir'}`);
      const messages: string[] = [];
      const manifest = await buildCache(cacheDir, logs, tracks, { tracksPath, ...(parallel ? { workers: 2, inlineBytes: 0, rangeBytes: 256 } : { workers: 0 }), log: (s) => messages.push(s) });
      const expected = await collect(readSessions(logs));
      assert.is(manifest.sessions, expected.length);
      assert.is(manifest.shards.length, 2, 'one shard per log file');
      assert.is(manifest.droppedRows, 1);
      assert.equal(await collect(readCachedSessions(cacheDir, manifest, tracks)), expected);
      const day2 = new Set(['2018-07-16']);
      assert.equal(await collect(readCachedSessions(cacheDir, manifest, tracks, { days: day2 })), await collect(readSessions(logs, { days: day2 })));
      const daysRead = new Set<string>();
      for await (const b of readCachedBlocks(cacheDir, manifest, tracks, { days: day2 })) for (const d of b.sessionDay) daysRead.add(b.days[d]);
      assert.equal([...daysRead], ['2018-07-16'], 'the other day’s shard is not read');
      assert.ok(messages.some((m) => m.includes(`${expected.length} sessions`)));
    }
  });
}

test('stale caches are detected with a reason and rebuilt by ensureCache', async () => {
  const cacheDir = join(dir, 'cache-stale');
  const logs = join(dir, 'csv');
  const log: string[] = [];
  const say = (s: string) => log.push(s);
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /no cache there yet/);
  const built = await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  assert.ok(await openCache(cacheDir, logs, tracksPath, { log: say }), 'fresh cache is used');
  const stats = statsOf(tracks);
  await attachStats(cacheDir, built, stats);
  assert.equal((await openCache(cacheDir, logs, tracksPath, { log: say }))?.stats, stats, 'statistics kept in the manifest');

  // a source file modified (same size, new mtime)
  const file = join(logs, 'log_0_20180716_000000000000.csv');
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /stale: logs file .*log_0_20180716_000000000000\.csv was modified/);
  await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  assert.ok(log.some((m) => m.includes('building it from')));

  // reader options that change parsing
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say, badDates: 'keep' }), null);
  assert.match(log.pop()!, /reader option badDates changed \("skip-row" → "keep"\)/);
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say, dateFormat: 'DD-MM-YY' }), null);
  assert.match(log.pop()!, /reader option dateFormat changed/);

  // the track table file changed
  await writeFile(tracksPath, 'track_id\nx\n');
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /stale: tracks file .*tracks\.csv changed size/);
  const rebuilt = await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });

  // a truncated shard, a missing one, another format version, another logs path
  await truncate(join(cacheDir, rebuilt.shards[0].file), rebuilt.shards[0].bytes - 4);
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /shard shard-00000\.skb has \d+ bytes, the manifest says \d+ \(truncated/);
  await rm(join(cacheDir, rebuilt.shards[0].file));
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /shard shard-00000\.skb is missing/);
  await writeFile(join(cacheDir, 'manifest.json'), JSON.stringify({ ...built, version: 0 }));
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /format version 0/);
  const again = await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  assert.is(await openCache(cacheDir, archive, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /it was built from logs .*csv, not .*logs\.tar\.gz/);
  const sessions: Session[] = await collect(readCachedSessions(cacheDir, again, tracks));
  assert.equal(sessions, await collect(readSessions(logs)));
});

test("each shard's CRC-32C is in the manifest: a damaged shard stops the read naming it, a damaged manifest is rebuilt", async () => {
  const cacheDir = join(dir, 'cache-crc');
  const logs = join(dir, 'csv');
  const log: string[] = [];
  const say = (s: string) => log.push(s);
  const built = await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  for (const shard of built.shards) assert.is(shard.crc32c, crc32c(await readFile(join(cacheDir, shard.file))), shard.file);
  const manifest = (await openCache(cacheDir, logs, tracksPath, { log: say }))!;
  assert.is(manifest.version, 3);

  const shardPath = join(cacheDir, 'shard-00000.skb');
  const bytes = await readFile(shardPath);
  for (let i = 100; i < 110; i++) bytes[i] ^= 0xff;
  await writeFile(shardPath, bytes);
  const err = await collect(readCachedSessions(cacheDir, manifest, tracks)).catch((e) => e);
  assert.instance(err, DataError);
  assert.match(err.message, new RegExp(`^${shardPath}: cache shard is corrupt \\(CRC-32C .*delete the cache folder ${cacheDir};`));
  // The other day's shard alone is still read.
  assert.equal(await collect(readCachedSessions(cacheDir, manifest, tracks, { days: new Set(['2018-07-16']) })), await collect(readSessions(logs, { days: new Set(['2018-07-16']) })));

  const text = await readFile(join(cacheDir, 'manifest.json'), 'utf8');
  await writeFile(join(cacheDir, 'manifest.json'), text.replace(`"sessions": ${manifest.sessions}`, `"sessions": ${manifest.sessions + 1}`));
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /its manifest is corrupt \(its CRC-32C does not match its content\)/);
  const rebuilt = await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  assert.equal(await collect(readCachedSessions(cacheDir, rebuilt, tracks)), await collect(readSessions(logs)));
});

test('a version 2 cache (shards without CRCs) is still read, unchecked, and each run hears so once', async () => {
  const cacheDir = join(dir, 'cache-v2');
  const logs = join(dir, 'csv');
  const built = await buildCache(cacheDir, logs, tracks, { tracksPath, log: () => {}, workers: 0 });
  // What version 2 wrote: the same shards, a manifest without CRCs.
  const shards = built.shards.map(({ crc32c: _, ...shard }) => shard);
  await writeFile(join(cacheDir, 'manifest.json'), JSON.stringify({ ...built, version: 2, shards }, null, 1));
  const log: string[] = [];
  const say = (s: string) => log.push(s);
  const opened = (await openCache(cacheDir, logs, tracksPath, { log: say }))!;
  await ensureCache(cacheDir, logs, tracks, { tracksPath, log: say, workers: 0 });
  assert.is(log.length, 1, log.join('\n'));
  assert.match(log[0], new RegExp(`^note: cache ${cacheDir} is of format version 2 \\(built before shards carried CRC-32C checksums\\): its shards are read without verification; delete it to have it rebuilt with them \\(said once per run\\)$`));
  assert.equal(await collect(readCachedSessions(cacheDir, opened, tracks)), await collect(readSessions(logs)));
  assert.ok(await openCache(cacheDir, logs, tracksPath, { log: () => {} }), 'not rebuilt');

  // A version 3 manifest without a shard's CRC is not taken for an old one.
  await writeFile(join(cacheDir, 'manifest.json'), JSON.stringify(withManifestCrc({ ...built, shards }), null, 1));
  assert.is(await openCache(cacheDir, logs, tracksPath, { log: say }), null);
  assert.match(log.pop()!, /its manifest is incomplete/);
});

test.run();

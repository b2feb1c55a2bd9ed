// kill -9 during a cache build: `skiptrain prepare --cache C` on two log files of 30,000 rows each (two blocks per
// shard, so the first shard's temp file is there while the second block is parsed) is SIGKILLed the moment that temp file appears;
// the kill landed mid-write (the temp file is still there, and there is no manifest). The next `prepare --cache C`
// says in one line that the earlier build did not finish, builds the cache again, and leaves no temp file: its shard
// files (hence every batch read from them) and its statistics equal an uninterrupted build's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { logFile, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';
import { killWhenAppears, runCli } from '../../helpers/faults.ts';

const root = tempDir();
const logs = join(root, 'logs');
const tracks = join(root, 'tracks.csv');
mkdirSync(logs);
for (const [file, day] of [['a', '2018-07-15'], ['b', '2018-07-16']]) {
  const sessions = Array.from({ length: 2000 }, (_, i) => [`${file}${i}`, 10 + (i % 11)] as [string, number]);
  writeFileSync(join(logs, `log_${file}_${day.replaceAll('-', '')}_000000000000.csv`), logFile(sessions, day));
}
writeFileSync(tracks, [TRACK_HEADER, ...Array.from({ length: 20 }, (_, i) => trackLine(`t_${i + 1}`, TRACK_FEATURES.map((_, f) => (i * 7 + f) % 13)))].join('\n'));

const prepare = (cache: string) => ['prepare', '--logs', logs, '--tracks', tracks, '--cache', cache, '--out', join(cache, 'stats.json')];

test.after(() => rmSync(root, { recursive: true, force: true }));

test('kill -9 mid-shard: the next run says the build did not finish, builds it again, and equals an uninterrupted build', async () => {
  const cache = join(root, 'cache');
  const firstShardTemp = () => {
    const name = existsSync(cache) ? readdirSync(cache).find((n) => n.startsWith('shard-00000.skb.') && n.endsWith('.tmp')) : undefined;
    return name && join(cache, name);
  };
  const undisturbed = join(root, 'undisturbed');
  const clean = runCli(prepare(undisturbed)); // meanwhile
  const { path } = await killWhenAppears(prepare(cache), firstShardTemp);
  assert.ok(existsSync(path), 'killed while the first shard was being written');
  assert.not.ok(existsSync(join(cache, 'manifest.json')), 'no manifest');

  const again = await runCli(prepare(cache));
  assert.is(again.code, 0, again.stderr);
  const said = again.stderr.split('\n').filter((l) => l.startsWith(`cache ${cache}: `));
  assert.match(said[0], /^cache .*: an earlier build did not finish \(\d+ shard files? but no manifest: it was stopped part-way\)$/, again.stderr);
  assert.ok(said.some((l) => l.includes('building it from')), again.stderr);
  assert.not.ok(readdirSync(cache).some((n) => n.endsWith('.tmp')), 'the killed build\'s temp file is gone');

  const { code, stderr } = await clean;
  assert.is(code, 0, stderr);
  const shards = readdirSync(undisturbed).filter((n) => n.endsWith('.skb'));
  assert.equal(readdirSync(cache).filter((n) => n.endsWith('.skb')), shards);
  for (const shard of shards) assert.ok(readFileSync(join(cache, shard)).equals(readFileSync(join(undisturbed, shard))), `${shard} is byte-identical`);
  const [rebuilt, reference] = [cache, undisturbed].map((dir) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  assert.equal(rebuilt.shards, reference.shards, 'same shards, sizes, CRCs, sessions and days');
  assert.equal(rebuilt.stats, reference.stats, 'same statistics');
  assert.equal(JSON.parse(readFileSync(join(cache, 'stats.json'), 'utf8')), JSON.parse(readFileSync(join(undisturbed, 'stats.json'), 'utf8')));
});

test.run();

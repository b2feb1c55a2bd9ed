// skiptrain merge: partial results of N workers give what one pass gives — statistics (counts exactly, moments to
// 1e-9 relative), the cache (same shard files, same manifest), the training batches — and bad sets are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { loadDataContext, trainBatches } from '../../../src/data/batch/batches.ts';
import { ensureCache } from '../../../src/data/cache/cache.ts';
import { partialStamp, writePartial } from '../../../src/data/passes/partials.ts';
import { accumulateFeatureStats, computeFeatureStats } from '../../../src/data/passes/stats.ts';
import { mergeStatsPartials } from '../../../src/data/passes/statsMerge.ts';
import { loadTrackTable } from '../../../src/data/read/tracks.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import type { FeatureStats } from '../../../src/data/format/types.ts';
import { collect, dataErrorOf, tempDir } from '../../helpers/dataFixtures.ts';

const root = tempDir();
const data = await writeSynth({ out: join(root, 'data'), sessions: 600, days: 2, seed: 5, tracks: 200, filesPerDay: 3 });
const other = await writeSynth({ out: join(root, 'other'), sessions: 120, days: 2, seed: 6, tracks: 200, filesPerDay: 3 });
const tracks = await loadTrackTable(data.tracks);
const options = { dateFormat: 'auto', badDates: 'skip-row', days: null };

function assertSameStats(got: FeatureStats, want: FeatureStats, what: string): void {
  assert.is(got.rows, want.rows, `${what}: rows`);
  assert.is(got.sessions, want.sessions, `${what}: sessions`);
  assert.equal(got.vocab, want.vocab, `${what}: vocab counts`);
  assert.equal(got.rowsByPosition, want.rowsByPosition, `${what}: rows by position`);
  for (const key of ['mean', 'std', 'skipRateByPosition'] as const) {
    want[key].forEach((w, i) => {
      const rel = Math.abs(got[key][i] - w) / Math.max(Math.abs(w), 1e-300);
      assert.ok(rel <= 1e-9, `${what}: ${key}[${i}] ${got[key][i]} vs ${w} (relative ${rel})`);
    });
  }
}

async function statsPartials(dir: string, logs: string, of: number, opts = options): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let index = 0; index < of; index++) {
    const shard = { index, of };
    const p = await accumulateFeatureStats(logs, tracks, { shard });
    await writePartial(dir, await partialStamp('stats', logs, data.tracks, opts, shard), p);
  }
}

test('N = 1, 2, 3 shards merge to the statistics of one pass', async () => {
  const one = await computeFeatureStats(data.logs, tracks);
  for (const of of [1, 2, 3]) {
    const dir = join(root, `stats-${of}`);
    await statsPartials(dir, data.logs, of);
    const merged = await mergeStatsPartials(dir);
    if (of === 1) assert.equal(merged, one, 'one shard is the one pass, bit for bit');
    else assertSameStats(merged, one, `N=${of}`);
  }
});

test('a missing, duplicated, foreign or differently-optioned shard is refused, naming it', async () => {
  const dir = join(root, 'bad');
  await statsPartials(dir, data.logs, 3);
  renameSync(join(dir, 'partial-stats-1-of-3.json'), join(root, 'aside.json'));
  assert.match(await dataErrorOf(mergeStatsPartials(dir)), 'stats: shard 1/3 (partial-stats-1-of-3.json) missing');
  copyFileSync(join(dir, 'partial-stats-0-of-3.json'), join(dir, 'partial-stats-0-of-3.copy.json'));
  renameSync(join(root, 'aside.json'), join(dir, 'partial-stats-1-of-3.json'));
  assert.match(await dataErrorOf(mergeStatsPartials(dir)), /shard 0\/3 of stats appears twice: .*partial-stats-0-of-3\.copy\.json and .*partial-stats-0-of-3\.json/);
  rmSync(join(dir, 'partial-stats-0-of-3.copy.json'));

  const foreign = join(root, 'foreign');
  await statsPartials(foreign, other.logs, 3);
  copyFileSync(join(foreign, 'partial-stats-2-of-3.json'), join(dir, 'partial-stats-2-of-3.json'));
  assert.match(await dataErrorOf(mergeStatsPartials(dir)), /partial-stats-2-of-3\.json: refusing to merge it with .*: it comes from another source than the others: it was built from logs/);

  await statsPartials(foreign, data.logs, 3, { ...options, badDates: 'keep' });
  copyFileSync(join(foreign, 'partial-stats-2-of-3.json'), join(dir, 'partial-stats-2-of-3.json'));
  assert.match(await dataErrorOf(mergeStatsPartials(dir)), 'it was made with other options than the others: badDates "keep" vs "skip-row"');

  await statsPartials(foreign, data.logs, 2);
  copyFileSync(join(foreign, 'partial-stats-1-of-2.json'), join(dir, 'partial-stats-1-of-2.json'));
  rmSync(join(dir, 'partial-stats-2-of-3.json'));
  assert.match(await dataErrorOf(mergeStatsPartials(dir)), 'it is shard 1/2, the others are of 3 shards');
});

const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['bin/skiptrain.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stderr }));
  });

test('prepare --cache C --shard 0/2 and 1/2 in two processes, then merge: the cache, stats and batches of one pass', async () => {
  const one = join(root, 'cache-one');
  const two = join(root, 'cache-two');
  const base = ['prepare', '--logs', data.logs, '--tracks', data.tracks];
  const runs = await Promise.all([
    cli(...base, '--cache', one, '--out', join(one, 'stats.json')),
    ...[0, 1].map((i) => cli(...base, '--cache', two, '--out', two, '--shard', `${i}/2`)),
  ]);
  for (const r of runs) assert.is(r.status, 0, r.stderr);
  assert.match(
    await dataErrorOf(ensureCache(two, data.logs, tracks, { tracksPath: data.tracks, log: () => {} })),
    'it holds the partial results of a sharded build (partial-cache-*.json) but no manifest: run skiptrain merge',
  );
  const merged = spawnSync(process.execPath, ['bin/skiptrain.js', 'merge', two], { encoding: 'utf8' });
  assert.is(merged.status, 0, merged.stderr);
  // --out may name a folder, as for prepare: the statistics go into stats.json there.
  const elsewhere = join(root, 'merged-stats');
  mkdirSync(elsewhere);
  const again = spawnSync(process.execPath, ['bin/skiptrain.js', 'merge', two, '--out', elsewhere], { encoding: 'utf8' });
  assert.is(again.status, 0, again.stderr);
  assertSameStats(JSON.parse(readFileSync(join(elsewhere, 'stats.json'), 'utf8')), JSON.parse(readFileSync(join(two, 'stats.json'), 'utf8')), 'merge --out <folder>');

  const shardFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.skb')).sort();
  assert.equal(shardFiles(two), shardFiles(one));
  assert.is(shardFiles(one).length, 6, 'one shard file per log file');
  for (const f of shardFiles(one)) assert.ok(readFileSync(join(two, f)).equals(readFileSync(join(one, f))), `${f} byte-identical`);
  const m1 = JSON.parse(readFileSync(join(one, 'manifest.json'), 'utf8'));
  const m2 = JSON.parse(readFileSync(join(two, 'manifest.json'), 'utf8'));
  // The manifest's own CRC covers `created` and `stats` too; the shards' CRCs are compared with the shards.
  for (const key of Object.keys(m1)) if (!['created', 'stats', 'manifestCrc32c'].includes(key)) assert.equal(m2[key], m1[key], `manifest.${key}`);
  assertSameStats(m2.stats, m1.stats, 'manifest stats');
  assertSameStats(JSON.parse(readFileSync(join(two, 'stats.json'), 'utf8')), JSON.parse(readFileSync(join(one, 'stats.json'), 'utf8')), 'stats.json');

  // Training reads the merged cache as one dataset and sees exactly the batches of the cache one worker built.
  const config = (cache: string): Config => {
    const c: Config = structuredClone(DEFAULTS);
    c.data = { ...c.data, logs: data.logs, tracks: data.tracks, cache, heldOutDays: ['2018-07-16'], shuffleBuffer: 64 };
    c.train.batchSize = 50;
    return c;
  };
  const messages: string[] = [];
  const a = await loadDataContext(config(one), { log: () => {} });
  const b = await loadDataContext(config(two), { log: (s) => messages.push(s) });
  assert.not.ok(messages.some((m) => m.includes('building')), `the merged cache is used as it is: ${messages.join(' | ')}`);
  assert.equal(b.stats, a.stats);
  const batchesA = await collect(trainBatches(a, { epoch: 1, seed: 3, view: 'per-position' }));
  const batchesB = await collect(trainBatches(b, { epoch: 1, seed: 3, view: 'per-position' }));
  assert.ok(batchesA.length >= 5);
  assert.equal(batchesB, batchesA);
});

test('merge: a shard file deleted after its worker finished is a clear error (exit 1)', async () => {
  const two = join(root, 'cache-two');
  rmSync(join(two, 'shard-00003.skb'));
  const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'merge', two], { encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /shard file shard-00003\.skb \(of .*training_set\.tar\.gz › .*\) is missing/);
});

test.run();

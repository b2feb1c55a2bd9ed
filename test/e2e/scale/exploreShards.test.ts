// explore --shard: the partial states of N = 1, 2, 3 workers merge to the result of one pass — counts exactly, sums
// to 1e-9 relative, sketches within their stated bounds, the sample (and so scatter, null and PC) exactly — and bad
// sets of partials are refused, naming the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSessions } from '../../../src/data/read/logs.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { CountMinSketch } from '../../../src/explore/countMin.ts';
import { mergeExplorePartials } from '../../../src/explore/exploreMerge.ts';
import type { ExploreResult } from '../../../src/explore/explorePass.ts';
import type { ExploreOptions } from '../../../src/explore/exploreOptions.ts';
import { runExplore, runExploreShard } from '../../../src/explore/runExplore.ts';
import { SpaceSaving } from '../../../src/explore/spaceSaving.ts';
import { Rng } from '../../../src/util/rng.ts';
import { withManifestCrc } from '../../../src/util/manifestCrc.ts';
import { dataErrorOf, tempDir } from '../../helpers/dataFixtures.ts';

const root = tempDir();
const data = await writeSynth({ out: join(root, 'data'), sessions: 600, days: 2, seed: 11, tracks: 200, filesPerDay: 3 });
const other = await writeSynth({ out: join(root, 'other'), sessions: 120, days: 2, seed: 12, tracks: 200, filesPerDay: 3 });
// 70 % of ~600 sessions are accepted, so the cap of 150 binds: the merge must pick the same 150 as one pass.
const options: Partial<ExploreOptions> = { sample: 0.7, maxSampleSessions: 150, top: 10 };
const quiet = { log: () => {}, progress: false };
const one = await runExplore({ logs: data.logs, tracks: data.tracks, out: join(root, 'one.html'), options, ...quiet });

/** Exact transition counts of the archive, to check the sketches' bounds against. */
const truePairs = new Map<string, number>();
for await (const s of readSessions(data.logs)) {
  for (let t = 1; t < s.rows.length; t++) {
    const pair = `${s.rows[t - 1].trackId}>${s.rows[t].trackId}`;
    truePairs.set(pair, (truePairs.get(pair) ?? 0) + 1);
  }
}

/** Both results as their JSON (what explore.json holds: NaN as null). */
const asJson = (r: ExploreResult) => JSON.parse(JSON.stringify(r)) as ExploreResult;

function assertSameExplore(gotResult: ExploreResult, wantResult: ExploreResult, what: string): void {
  const got = asJson(gotResult);
  const want = asJson(wantResult);
  // Counts, the sample and everything computed from it: exactly.
  for (const key of Object.keys(want) as (keyof ExploreResult)[]) {
    if (key !== 'featureMemory' && key !== 'transitions') assert.equal(got[key], want[key], `${what}: ${key}`);
  }
  // Lag correlations come from sums that add in another order: 1e-9 relative; their null is on the sample: exact.
  for (const [feature, lags] of Object.entries(want.featureMemory)) {
    lags.forEach((w, i) => {
      const g = got.featureMemory[feature][i];
      assert.equal({ ...g, r: 0 }, { ...w, r: 0 }, `${what}: ${feature} lag ${w.lag}`);
      const rel = Math.abs(g.r - w.r) / Math.max(Math.abs(w.r), 1e-300);
      assert.ok(rel <= 1e-9, `${what}: ${feature} lag ${w.lag}: r ${g.r} vs ${w.r} (relative ${rel})`);
    });
  }
  // Top tracks (space-saving; never full here, so exact) and the pair counts within the count-min bound.
  const t = got.transitions;
  assert.equal([t.tracks, t.plays, t.playsError, t.transitionsSeen, t.method], [
    want.transitions.tracks,
    want.transitions.plays,
    want.transitions.playsError,
    want.transitions.transitionsSeen,
    want.transitions.method,
  ], `${what}: top tracks`);
  const bound = Math.ceil((Math.E / (1 << 20)) * t.transitionsSeen);
  t.tracks.forEach((a, i) =>
    t.tracks.forEach((b, j) => {
      const truth = truePairs.get(`${a}>${b}`) ?? 0;
      assert.ok(t.counts[i][j] >= truth && t.counts[i][j] <= truth + bound, `${what}: ${a} → ${b}: ${t.counts[i][j]}, truly ${truth} (+ at most ${bound})`);
    }),
  );
}

async function explorePartials(dir: string, logs: string, of: number, opts = options): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let index = 0; index < of; index++) await runExploreShard({ logs, tracks: data.tracks, out: dir, options: opts, ...quiet }, { index, of });
}

test('N = 1, 2, 3 explore shards merge to the result of one pass', async () => {
  assert.is(one.meta.sampleSessions, 150, 'the sample cap binds');
  assert.ok(one.pc.edges.length > 0 && one.transitions.tracks.length === 10);
  for (const of of [1, 2, 3]) {
    const dir = join(root, `explore-${of}`);
    await explorePartials(dir, data.logs, of);
    const { logs, result } = await mergeExplorePartials(dir);
    assert.ok(logs.endsWith('training_set.tar.gz'), logs);
    if (of === 1) assert.equal(asJson(result), asJson(one), 'one shard is the one pass, bit for bit');
    assertSameExplore(result, one, `N=${of}`);
  }
});

test('space-saving summaries of parts merge with the guarantees of one pass', () => {
  const rng = new Rng(4);
  const capacity = 50;
  const parts = [new SpaceSaving(capacity), new SpaceSaving(capacity), new SpaceSaving(capacity)];
  const whole = new SpaceSaving(capacity);
  const truth = new Map<string, number>();
  for (let i = 0; i < 30_000; i++) {
    const key = `t${Math.floor(Math.exp(rng.next() * Math.log(3000))) - 1}`; // Zipf-like
    truth.set(key, (truth.get(key) ?? 0) + 1);
    // Unevenly split, as shards are: a part's heavy hitters need not be the whole's.
    parts[i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : 2].add(key);
    whole.add(key);
  }
  const merged = new SpaceSaving(capacity);
  for (const p of parts) merged.merge(p.state());
  assert.is(merged.total, 30_000);
  const reported = new Map(merged.top(capacity).map((h) => [h.key, h]));
  assert.is(reported.size, capacity);
  for (const [key, count] of truth) {
    if (count > merged.total / capacity) assert.ok(reported.has(key), `heavy hitter ${key} (${count}) is monitored`);
    const h = reported.get(key);
    if (h) assert.ok(h.count - h.error <= count && count <= h.count, `${key}: ${count} in [${h.count - h.error}, ${h.count}]`);
  }
  assert.equal(merged.top(3).map((h) => h.key), whole.top(3).map((h) => h.key), 'the same top 3 as one pass');
  assert.throws(() => merged.merge(new SpaceSaving(10).state()), /50 and 10 counters|10 and 50 counters/);
});

test('count-min sketches of parts add up: never under the truth, within e/w · total, other shapes refused', () => {
  const rng = new Rng(9);
  const parts = [new CountMinSketch(256, 4), new CountMinSketch(256, 4)];
  const truth = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const [a, b] = [rng.int(60), rng.int(60)];
    parts[i % 2].add(a, b);
    truth.set(`${a},${b}`, (truth.get(`${a},${b}`) ?? 0) + 1);
  }
  const merged = new CountMinSketch(256, 4);
  for (const p of parts) merged.merge(p.state());
  assert.is(merged.total, 4000);
  let within = 0;
  for (const [k, v] of truth) {
    const [a, b] = k.split(',').map(Number);
    const e = merged.estimate(a, b);
    assert.ok(e >= v, `${k}: ${e} ≥ ${v}`);
    if (e - v <= (Math.E / merged.width) * merged.total) within++;
  }
  assert.ok(within / truth.size >= 1 - Math.exp(-4), `${within} of ${truth.size} within the bound`);
  assert.throws(() => merged.merge(new CountMinSketch(512, 4).state()), 'count-min sketches of different shapes cannot be merged: 4×512 vs 4×256');
});

test('a missing, duplicated, foreign, differently-optioned or mis-shaped explore partial is refused, naming it', async () => {
  const dir = join(root, 'bad');
  await explorePartials(dir, data.logs, 3);
  renameSync(join(dir, 'partial-explore-1-of-3.json'), join(root, 'aside.json'));
  assert.match(await dataErrorOf(mergeExplorePartials(dir)), 'explore: shard 1/3 (partial-explore-1-of-3.json) missing');
  copyFileSync(join(dir, 'partial-explore-0-of-3.json'), join(dir, 'partial-explore-0-of-3.copy.json'));
  renameSync(join(root, 'aside.json'), join(dir, 'partial-explore-1-of-3.json'));
  assert.match(await dataErrorOf(mergeExplorePartials(dir)), /shard 0\/3 of explore appears twice: .*partial-explore-0-of-3\.copy\.json and .*partial-explore-0-of-3\.json/);
  rmSync(join(dir, 'partial-explore-0-of-3.copy.json'));

  const aside = join(root, 'aside-2.json');
  copyFileSync(join(dir, 'partial-explore-2-of-3.json'), aside);
  const foreign = join(root, 'foreign');
  await explorePartials(foreign, other.logs, 3);
  copyFileSync(join(foreign, 'partial-explore-2-of-3.json'), join(dir, 'partial-explore-2-of-3.json'));
  assert.match(await dataErrorOf(mergeExplorePartials(dir)), /partial-explore-2-of-3\.json: refusing to merge it with .*: it comes from another source than the others: it was built from logs/);

  await explorePartials(foreign, data.logs, 3, { ...options, seed: 2 });
  copyFileSync(join(foreign, 'partial-explore-2-of-3.json'), join(dir, 'partial-explore-2-of-3.json'));
  assert.match(await dataErrorOf(mergeExplorePartials(dir)), 'it was made with other options than the others: seed 2 vs 1');

  // A sketch of another shape (e.g. written by another version, so with its CRC) cannot be added cell by cell.
  const tampered = JSON.parse(readFileSync(aside, 'utf8'));
  tampered.result.transitions.pairs.width = 4096;
  writeFileSync(join(dir, 'partial-explore-2-of-3.json'), JSON.stringify(withManifestCrc(tampered)));
  assert.match(
    await dataErrorOf(mergeExplorePartials(dir)),
    /partial-explore-2-of-3\.json: cannot merge this partial explore result: count-min sketches of different shapes cannot be merged: 4×4096 vs 4×1048576/,
  );
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['bin/skiptrain.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });

test('CLI: explore --shard auto/2 in two processes (JOB_COMPLETION_INDEX), then merge DIR writes the report of one pass', async () => {
  const dir = join(root, 'cli');
  const args = ['explore', '--logs', data.logs, '--tracks', data.tracks, '--out', dir, '--shard', 'auto/2', '--sample', '0.7', '--max-sample', '150', '--top', '10'];
  const workers = await Promise.all(['0', '1'].map((i) => cli(args, { JOB_COMPLETION_INDEX: i })));
  for (const w of workers) assert.is(w.status, 0, w.stderr);
  const merged = await cli(['merge', dir]);
  assert.is(merged.status, 0, merged.stderr);
  assert.match(merged.stderr, /explore\.html and .*explore\.json: 600 sessions/);
  assertSameExplore(JSON.parse(readFileSync(join(dir, 'explore.json'), 'utf8')), one, 'CLI, N=2');
  const html = readFileSync(join(dir, 'explore.html'), 'utf8');
  for (const title of ['Track transitions among the 10 most played tracks', 'Feature memory', 'Dependency graph (PC algorithm)']) assert.ok(html.includes(title), title);
  assert.ok(html.includes(`${one.meta.rows.toLocaleString('en')} plays`));
  const withJson = await cli([...args, '--json', join(dir, 'x.json')], { JOB_COMPLETION_INDEX: '0' });
  assert.is(withJson.status, 1);
  assert.match(withJson.stderr, '--json cannot be combined with --shard');
});

test.run();

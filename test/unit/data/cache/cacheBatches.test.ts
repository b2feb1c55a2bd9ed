// With data.cache set, training reads the binary cache — and must see exactly the batches the CSV reader gives; and
// the challenge task's training batches mix in the per-position view as train.perPositionShare says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../../src/config/schema.ts';
import { writeSynth } from '../../../../src/data/synth/index.ts';
import { evalBatches, loadDataContext, trainBatches } from '../../../../src/data/batch/batches.ts';
import { collect } from '../../../helpers/dataFixtures.ts';
import { buildCache, type SessionBlock } from '../../../../src/data/cache/cache.ts';
import type { SpareBuffers } from '../../../../src/util/spareBuffers.ts';

const root = mkdtempSync(join(tmpdir(), 'cache-batches-'));
const quiet = () => {};

test('cached and CSV sessions give identical training and evaluation batches and stats', async () => {
  const data = await writeSynth({ out: join(root, 'data'), sessions: 600, days: 2, seed: 5, tracks: 200 });
  const config: Config = structuredClone(DEFAULTS);
  config.data = { ...config.data, logs: data.logs, tracks: data.tracks, heldOutDays: ['2018-07-16'], shuffleBuffer: 64 };
  config.train.batchSize = 50;
  const cached: Config = structuredClone(config);
  cached.data.cache = join(root, 'cache');
  const plain = await loadDataContext(config, { log: quiet });
  const fromCache = await loadDataContext(cached, { log: quiet });
  assert.ok(existsSync(join(root, 'cache', 'manifest.json')), 'the cache was built');
  assert.equal(fromCache.stats, plain.stats);
  for (const view of ['per-position', 'challenge'] as const) {
    const a = await collect(trainBatches(plain, { epoch: 1, seed: 3, view }));
    const b = await collect(trainBatches(fromCache, { epoch: 1, seed: 3, view }));
    assert.is(b.length, a.length);
    assert.ok(a.length >= 5);
    a.forEach((batch, i) => assert.equal(b[i], batch, `${view} batch ${i}`));
    assert.equal(await collect(evalBatches(fromCache, { view })), await collect(evalBatches(plain, { view })));
  }
});

test('training from a cache of many small blocks reads later blocks into earlier ones\' buffers, and its batches are the CSV reader\'s', async () => {
  const data = join(root, 'data');
  const config: Config = structuredClone(DEFAULTS);
  config.data = { ...config.data, logs: join(data, 'training_set.tar.gz'), tracks: join(data, 'track_features.tar.gz'), heldOutDays: ['2018-07-16'], shuffleBuffer: 16 };
  config.train.batchSize = 8;
  const plain = await loadDataContext(config, { log: quiet });
  // Ranges of ~3 KB: blocks of a few sessions each, so that many are used up, given back and read into again.
  const dir = join(root, 'small-blocks');
  await buildCache(dir, config.data.logs, plain.tracks, { tracksPath: config.data.tracks, workers: 0, rangeBytes: 3000, log: quiet });
  const cached = await loadDataContext({ ...config, data: { ...config.data, cache: dir } }, { log: quiet });
  // Every block the source reads, to see its buffer carry a later block.
  const seen = new Map<ArrayBufferLike, number>();
  const source = cached.source;
  const watched: typeof source = Object.assign((days?: ReadonlySet<string>, spare?: SpareBuffers) => tapBlocks(source(days, spare), seen), { manifest: source.manifest });
  for (const epoch of [1, 2]) {
    const want = await collect(trainBatches(plain, { epoch, seed: 4, view: 'challenge' }));
    const got = await collect(trainBatches({ ...cached, source: watched }, { epoch, seed: 4, view: 'challenge' }));
    assert.is(got.length, want.length);
    want.forEach((batch, i) => assert.equal(got[i], batch, `epoch ${epoch}, batch ${i}`));
  }
  const blocks = [...seen.values()].reduce((a, b) => a + b, 0);
  assert.ok(blocks > 40, `${blocks} blocks read`);
  assert.ok([...seen.values()].some((n) => n > 1), 'a buffer carried more than one block');
});

async function* tapBlocks(blocks: AsyncIterable<SessionBlock>, seen: Map<ArrayBufferLike, number>): AsyncIterable<SessionBlock> {
  for await (const block of blocks) {
    seen.set(block.rowEnd.buffer, (seen.get(block.rowEnd.buffer) ?? 0) + 1);
    yield block;
  }
}

test('challenge training shows train.perPositionShare of its sessions in the per-position view, the same ones on a resume', async () => {
  const config: Config = structuredClone(DEFAULTS);
  const data = join(root, 'data');
  config.data = { ...config.data, logs: join(data, 'training_set.tar.gz'), tracks: join(data, 'track_features.tar.gz'), heldOutDays: ['2018-07-16'], shuffleBuffer: 64 };
  config.train.batchSize = 50;
  config.train.perPositionShare = 0.25;
  const ctx = await loadDataContext(config, { log: quiet });
  const batches = await collect(trainBatches(ctx, { epoch: 2, seed: 3, view: 'challenge' }));
  // A per-position session scores its known first half too (mask 1 where the challenge view has 0).
  const perPosition = batches.flatMap((batch) => Array.from({ length: batch.size }, (_, b) => batch.mask[b * batch.seqLen] === 1));
  const share = perPosition.filter(Boolean).length / perPosition.length;
  assert.ok(share > 0.18 && share < 0.32, `share ${share} of ${perPosition.length} sessions`);
  const resumed = await collect(trainBatches(ctx, { epoch: 2, seed: 3, view: 'challenge', skipBatches: 2 }));
  assert.equal(resumed, batches.slice(2));
  config.train.perPositionShare = 0;
  const none = await collect(trainBatches(await loadDataContext(config, { log: quiet }), { epoch: 2, seed: 3, view: 'challenge' }));
  assert.ok(none.every((batch) => Array.from({ length: batch.size }, (_, b) => batch.mask[b * batch.seqLen]).every((m) => m === 0)), 'share 0: the challenge view only');
});

test.run();

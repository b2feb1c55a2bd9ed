// With data.cache set, training reads the binary cache — and must see exactly the batches the CSV reader gives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../../src/config/schema.ts';
import { writeSynth } from '../../../../src/data/synth/index.ts';
import { evalBatches, loadDataContext, trainBatches } from '../../../../src/data/batches.ts';
import { collect } from '../../../helpers/dataFixtures.ts';

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

test.run();

// The batch thread gives trainBatches' sequence, batch for batch; with recycling (as the trainer uses it, on the thread or
// on its own) each batch is read until the next is asked for, and its buffer then carries a later batch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { loadDataContext, trainBatches } from '../../../src/data/batch/batches.ts';
import { recycled } from '../../../src/data/batch/batchBuffers.ts';
import { SpareBuffers } from '../../../src/util/spareBuffers.ts';
import { BatchThread } from '../../../src/train/workers/batchThread.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { collect } from '../../helpers/dataFixtures.ts';
import { assertSameBatches } from '../../helpers/referenceBatches.ts';

const root = mkdtempSync(join(tmpdir(), 'batch-thread-'));

/** A batch whose arrays are copies, safe to keep. */
const copy = (b: Batch): Batch => structuredClone(b);

test('the batch thread gives trainBatches\' batches, recycling or not; a recycled batch is detached once the next is asked for', async () => {
  const data = await writeSynth({ out: join(root, 'data'), sessions: 300, days: 2, seed: 7, tracks: 150 });
  const config: Config = structuredClone(DEFAULTS);
  config.data = { ...config.data, logs: data.logs, tracks: data.tracks, heldOutDays: ['2018-07-16'], shuffleBuffer: 32 };
  config.train.batchSize = 16; // the epoch's last batch is smaller: buffers of another size are not reused
  const ctx = await loadDataContext(config, { log: () => {} });
  const opts = { epoch: 2, seed: 3, view: 'challenge' as const };
  const want = await collect(trainBatches(ctx, opts));
  assert.ok(want.length > 4 && want[want.length - 1].size < 16, 'several batches and a short last one');
  const thread = new BatchThread();
  try {
    assertSameBatches(await collect(thread.batches(ctx, opts)), want, 'kept batches');
    const got: Batch[] = [];
    let previous: Batch | null = null;
    for await (const b of thread.batches(ctx, opts, true)) {
      if (previous) assert.is(previous.inputs.length, 0, 'the previous batch went back to the thread');
      got.push(copy(b));
      previous = b;
    }
    assertSameBatches(got, want, 'recycled batches');
    // A second epoch on the same thread writes into the buffers returned during the first.
    const next: Batch[] = [];
    for await (const b of thread.batches(ctx, { ...opts, epoch: 3 }, true)) next.push(copy(b));
    assertSameBatches(next, await collect(trainBatches(ctx, { ...opts, epoch: 3 })), 'next epoch');
  } finally {
    await thread.dispose();
  }
});

test('batches written into returned buffers full of garbage equal fresh ones, with either encoder', async () => {
  const data = await writeSynth({ out: join(root, 'data2'), sessions: 200, days: 2, seed: 8, tracks: 120 });
  const config: Config = structuredClone(DEFAULTS);
  config.data = { ...config.data, logs: data.logs, tracks: data.tracks, heldOutDays: ['2018-07-16'], shuffleBuffer: 32 };
  config.train.batchSize = 16;
  const loaded = await loadDataContext(config, { log: () => {} });
  for (const encoder of loaded.encoder === 'native' ? (['javascript', 'native'] as const) : (['javascript'] as const)) {
    const ctx = { ...loaded, encoder };
    const opts = { epoch: 1, seed: 5, view: 'challenge' as const };
    const want = await collect(trainBatches(ctx, opts));
    const buffers = new SpareBuffers();
    for (const size of new Set(want.map((b) => b.inputs.buffer.byteLength))) {
      const garbage = new ArrayBuffer(size);
      new Float32Array(garbage).fill(Number.NaN);
      buffers.give(garbage);
    }
    const got: Batch[] = [];
    for await (const b of trainBatches(ctx, { ...opts, buffers })) {
      got.push(copy(b));
      buffers.give(b.inputs.buffer as ArrayBuffer);
    }
    assertSameBatches(got, want, encoder);
    // As the trainer takes them on its own thread: the second batch is written into the first one's buffer.
    const seen: ArrayBuffer[] = [];
    const kept: Batch[] = [];
    const pool = new SpareBuffers();
    for await (const b of recycled(trainBatches(ctx, { ...opts, buffers: pool }), pool)) {
      seen.push(b.inputs.buffer as ArrayBuffer);
      kept.push(copy(b));
    }
    assertSameBatches(kept, want, `${encoder}, recycled`);
    assert.is(seen[1], seen[0], 'the first buffer was reused');
  }
});

test.run();

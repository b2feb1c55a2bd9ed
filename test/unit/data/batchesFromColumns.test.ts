// Batches straight from the columns (BatchEncoder in data/batches.ts, in C and in JavaScript) against the encoder
// they replaced, kept in test/helpers/referenceBatches.ts: every batch of an epoch — training (shuffled, both views mixed as
// train.perPositionShare says, a resume's skipped batches), validation, test days, another logs path, the
// challenge's test set — equal bit for bit, from the CSV reader and from the binary cache; and on sessions made to
// be awkward (rows dropped, repeated and out-of-range positions, unknown tracks, both label choices).
import { test } from 'uvu';
import { loadAddon } from '../../../src/util/nativeAddon.ts';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { challengeBatches, emptyBatch, evalBatches, loadDataContext, sessionsToBatch, trainBatches, type DataContext, type View } from '../../../src/data/batch/batches.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { splitFilter } from '../../../src/data/passes/split.ts';
import type { ChallengeSession, Session } from '../../../src/data/format/types.ts';
import { Rng } from '../../../src/util/rng.ts';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { collect, logFile, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';
import { assertSameBatches, referenceChallengeBatches, referenceEvalBatches, referenceSessionsToBatch, referenceTrainBatches } from '../../helpers/referenceBatches.ts';
import { memoryContext, randomSessions, randomTracks } from '../../helpers/sessions.ts';
import { defaultBatchEncoder, NativeBatchEncoder, type BatchEncoderKind } from '../../../src/data/batch/nativeEncoder.ts';
import { blockOfSessions, SKIP2, type SessionBlock } from '../../../src/data/format/block.ts';
import { knownRows } from '../../../src/data/format/challenge.ts';
import { trackKeys } from '../../../src/data/format/trackKey.ts';
import { blockWeekdays } from '../../../src/data/batch/features.ts';

/**
 * The encoders to check: JavaScript always, C where the addon is built (required where SKIPTRAIN_REQUIRE_NATIVE=1,
 * as in CI).
 */
const ENCODERS: BatchEncoderKind[] = defaultBatchEncoder() === 'native' ? ['native', 'javascript'] : ['javascript'];
if (!ENCODERS.includes('native')) {
  if (process.env.SKIPTRAIN_REQUIRE_NATIVE === '1') throw new Error('SKIPTRAIN_REQUIRE_NATIVE=1, but the native batch encoder is not built');
  console.log('notice: the native batch encoder is not built: only the JavaScript encoder is checked');
}
const withEncoder = (ctx: DataContext, encoder: BatchEncoderKind): DataContext => ({ ...ctx, encoder });

const root = mkdtempSync(join(tmpdir(), 'batches-from-columns-'));
const quiet = () => {};

/** The split's sessions as the old pipeline read them: Session objects of the CSV logs, filtered. */
async function* splitSessions(ctx: DataContext, split: 'train' | 'val' | 'test', limit = 0): AsyncIterable<Session> {
  const { days, accept } = splitFilter(ctx.config, split);
  let n = 0;
  for await (const s of readSessions(ctx.config.data.logs, { days })) {
    if (!accept(s.id, s.day)) continue;
    yield s;
    if (limit && ++n >= limit) return;
  }
}

async function contexts(): Promise<[string, DataContext][]> {
  const data = await writeSynth({ out: join(root, 'data'), sessions: 2000, days: 3, seed: 11, tracks: 300 });
  const config: Config = structuredClone(DEFAULTS);
  config.data = { ...config.data, logs: data.logs, tracks: data.tracks, valDays: ['2018-07-16'], testDays: ['2018-07-17'], shuffleBuffer: 100 };
  config.train = { ...config.train, batchSize: 32, perPositionShare: 0.25 };
  const cached: Config = structuredClone(config);
  cached.data.cache = join(root, 'cache');
  const csv = await loadDataContext(config, { log: quiet });
  const cache = await loadDataContext(cached, { log: quiet });
  return ENCODERS.flatMap((encoder): [string, DataContext][] => [
    [`CSV, ${encoder}`, withEncoder(csv, encoder)],
    [`cache, ${encoder}`, withEncoder(cache, encoder)],
  ]);
}

test('every batch of an epoch, both views, from the CSV reader and from the cache: equal to the reference encoder', async () => {
  for (const [source, ctx] of await contexts()) {
    for (const view of ['per-position', 'challenge'] as const) {
      for (const skipBatches of [0, 3]) {
        const opts = { epoch: 2, seed: 7, view, skipBatches };
        const want = await collect(referenceTrainBatches(ctx, splitSessions(ctx, 'train'), opts));
        assert.ok(want.length >= 15, 'enough batches to mean something');
        assertSameBatches(await collect(trainBatches(ctx, opts)), want, `${source} train ${view} skip ${skipBatches}`);
      }
      for (const split of ['val', 'test'] as const) {
        const want = await collect(referenceEvalBatches(ctx, splitSessions(ctx, split, 250), view, 64));
        assertSameBatches(await collect(evalBatches(ctx, { view, split, batchSize: 64, maxSessions: 250 })), want, `${source} ${split} ${view}`);
      }
      const other = await collect(referenceEvalBatches(ctx, readSessions(ctx.config.data.logs, { days: new Set(['2018-07-15']) }), view, 100));
      assertSameBatches(await collect(evalBatches(ctx, { view, logs: ctx.config.data.logs, days: ['2018-07-15'], batchSize: 100, maxSessions: 0 })), other, `${source} other logs ${view}`);
    }
  }
});

test('awkward sessions (dropped, repeated and out-of-range positions, unknown tracks; both labels): equal to the reference', () => {
  const rng = new Rng(17);
  const tracks = randomTracks(40, rng);
  for (const label of ['skip_2', 'skip_1', 'not_skipped'] as const) {
    const ctx = memoryContext(tracks, (c) => {
      c.data.unknownTracks = 'zeros';
      c.data.label = label;
    });
    const sessions = randomSessions(40, tracks, rng).map((s, k): Session => {
      const rows = [...s.rows];
      if (k % 5 === 1) rows.splice(2, 1); // a dropped row leaves its slot empty
      if (k % 5 === 2) rows.push({ ...rows[0], position: rows[1].position }); // a repeated position: the later row wins
      if (k % 5 === 3) rows.push({ ...rows[0], position: 27 }); // beyond the 20 positions a batch holds
      if (k % 7 === 4) rows[1] = { ...rows[1], trackId: 't_unknown' };
      return { ...s, rows };
    });
    const views = sessions.map((_, k): View => (k % 3 ? 'challenge' : 'per-position'));
    const want = referenceSessionsToBatch(ctx, sessions, views);
    for (const encoder of ENCODERS) assertSameBatches([sessionsToBatch(withEncoder(ctx, encoder), sessions, views)], [want], `label ${label}, ${encoder}`);
  }
});

test("the challenge's test set (predict): equal to the reference", async () => {
  const rng = new Rng(23);
  const tracks = randomTracks(30, rng);
  const ctx = memoryContext(tracks, (c) => (c.data.unknownTracks = 'zeros'));
  const test: ChallengeSession[] = randomSessions(25, tracks, rng).map((s) => {
    const k = Math.floor(s.rows.length / 2);
    return { id: s.id, length: s.length, known: s.rows.slice(0, k), hiddenTrackIds: s.rows.slice(k).map((r) => r.trackId), source: s.source };
  });
  async function* all() {
    yield* test;
  }
  assertSameBatches(await collect(challengeBatches(ctx, all(), 8)), await collect(referenceChallengeBatches(ctx, all(), 8)), 'predict');
});

test('a track missing from the table, read from CSV: data.unknownTracks decides, in the encoder (zeros: no track; error: names the session)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'unknown-tracks-'));
  const values = TRACK_FEATURES.map(() => 1);
  writeFileSync(join(dir, 'tf.csv'), [TRACK_HEADER, trackLine('t_1', values), trackLine('t_2', values)].join('\n') + '\n');
  writeFileSync(join(dir, 'log_0_20180715_000000000000.csv'), logFile([['a', 3], ['b', 2]])); // 'a' plays t_1, t_2, t_3
  const contextWith = async (unknownTracks: 'zeros' | 'error') => {
    const config: Config = structuredClone(DEFAULTS);
    config.data = { ...config.data, logs: join(dir, 'log_0_20180715_000000000000.csv'), tracks: join(dir, 'tf.csv'), unknownTracks, split: 'session-hash', heldOutFraction: 0, testFraction: 0 };
    return loadDataContext(config, { log: quiet });
  };
  for (const view of ['per-position', 'challenge'] as const) {
    const [batch] = await collect(evalBatches(await contextWith('zeros'), { view, logs: join(dir, 'log_0_20180715_000000000000.csv'), maxSessions: 0 }));
    const a = batch.sessionIds.indexOf('a');
    assert.equal(Array.from(batch.present.subarray(a * 20, a * 20 + 4)), [1, 1, 1, 0], `${view}: t_3 is present`);
    assert.is(batch.trackIndex[a * 20 + 2], -1, `${view}: with no track`);
    const trained = await collect(trainBatches(await contextWith('zeros'), { epoch: 1, seed: 1, view }));
    assert.is(trained.reduce((n, b) => n + b.size, 0), 2);
    for (const encoder of ENCODERS) {
      const err = await collect(trainBatches(withEncoder(await contextWith('error'), encoder), { epoch: 1, seed: 1, view })).catch((e: Error) => e);
      assert.match(String(err), /unknown track id 't_3' at session_position 3 of session a/, encoder);
    }
  }
});

test('the native encoder writes every value of a batch that comes uninitialised, and refuses a block that points outside itself', () => {
  if (!ENCODERS.includes('native')) return;
  const rng = new Rng(29);
  const tracks = randomTracks(30, rng);
  const ctx = memoryContext(tracks, (c) => (c.data.unknownTracks = 'zeros'));
  const sessions = randomSessions(12, tracks, rng);
  const views = sessions.map((_, k): View => (k % 2 ? 'challenge' : 'per-position'));
  // Values the standardised table must keep as the reference computes them: NaN, and clipped to ±5.
  const w = tracks.width;
  [tracks.features[0 * w + 5], tracks.features[2 * w], tracks.features[7 * w + 3], tracks.features[9 * w + 10]] = [Number.NaN, Infinity, 1e6, -1e6];
  const want = referenceSessionsToBatch(ctx, sessions, views);
  const block = blockOfSessions(sessions, tracks);
  const encoder = new NativeBatchEncoder({
    ...{ features: tracks.features, width: tracks.width, mean: ctx.norm.mean, invStd: ctx.norm.invStd, keys: trackKeys(tracks) },
    ...{ labelBit: SKIP2, unknownIsError: false, extraRows: (b: SessionBlock) => new Int32Array(b.extraTrackIds.length).fill(-1) },
  });
  const index = Int32Array.from(sessions, (_, s) => s);
  const knownLimit = Int32Array.from(sessions, (s, k) => (views[k] === 'challenge' ? knownRows(s.length) : 20));
  const scoreHidden = Uint8Array.from(views, (v) => (v === 'challenge' ? 1 : 0));
  const got = emptyBatch(sessions.length);
  for (const a of [got.inputs, got.mask, got.labels, got.auxLabels, got.present, got.known]) a.fill(Number.NaN);
  got.trackIndex.fill(12345);
  got.lengths.fill(-7);
  assert.is(encoder.encode(got, sessions.map(() => block), index, knownLimit, scoreHidden, true), -1);
  got.sessionIds = want.sessionIds;
  assertSameBatches([got], [want], 'garbage-filled batch');
  // A row end past the block's rows: an exception that says so, not a read past the end.
  const broken = blockOfSessions(sessions, tracks);
  broken.rowEnd[3] = broken.trackRow.length + 50;
  assert.throws(() => encoder.encode(emptyBatch(1), [broken], Int32Array.of(3), Int32Array.of(20), Uint8Array.of(0), true), /point outside the block/);
  assert.throws(() => encoder.encode(emptyBatch(1), [broken], Int32Array.of(broken.ids.length), Int32Array.of(20), Uint8Array.of(0), true), /point outside the block/);
  // A standardised table of a table that is not whole rows, or with more statistics than a row has features.
  type Addon = { createStandardTable(...a: unknown[]): unknown; encodeBatch(...a: unknown[]): number; createBatchBlock(...a: unknown[]): unknown };
  const addon = (loadAddon() as unknown as { addon: Addon }).addon;
  assert.throws(() => addon.createStandardTable(tracks.features, 7, ctx.norm.mean, ctx.norm.invStd), /whole rows of width/);
  assert.throws(() => addon.createStandardTable(tracks.features.subarray(0, 4 * w), w, new Float32Array(w + 1), new Float32Array(w + 1)), /at most width/);
  // A handle of another kind, or a lookalike object, where a handle is expected: a TypeError, never its struct read.
  const table = addon.createStandardTable(tracks.features, w, ctx.norm.mean, ctx.norm.invStd);
  const encoderHandle = (encoder as unknown as { encoder: unknown }).encoder;
  const blockHandle = addon.createBatchBlock(block, new Int32Array(block.extraTrackIds.length).fill(-1), blockWeekdays(block));
  const args = (enc: unknown, blocks: unknown[]) => [enc, blocks, Int32Array.of(0), Int32Array.of(0), Int32Array.of(20), Uint8Array.of(0), true, emptyBatch(1)];
  assert.is(addon.encodeBatch(...args(encoderHandle, [blockHandle])), -1);
  for (const wrong of [table, blockHandle, {}, Object.create(null)]) {
    assert.throws(() => addon.encodeBatch(...args(wrong, [blockHandle])), (e: Error) => e instanceof TypeError && /encodeBatch\(encoder/.test(e.message));
  }
  for (const wrong of [table, encoderHandle, {}]) {
    assert.throws(() => addon.encodeBatch(...args(encoderHandle, [wrong])), (e: Error) => e instanceof TypeError && /createBatchBlock's handles/.test(e.message));
  }
});

test.run();

// The block format and shard files: sessions go in and come back equal, field by field; a damaged shard is an
// error naming it before any of its blocks is used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionAt, type SessionBlock } from '../../../../src/data/format/block.ts';
import { SessionBlockBuilder } from '../../../helpers/blockBuilder.ts';
import { deserializeBlock, readBlockHeader, serializeBlock, BLOCK_HEADER_BYTES } from '../../../../src/data/cache/shardFormat.ts';
import { ShardWriter, readShardBlocks } from '../../../../src/data/cache/shardFile.ts';
import { crc32c } from '../../../../src/util/crc32c.ts';
import { Rng } from '../../../../src/util/rng.ts';
import { randomSessions, randomTracks } from '../../../helpers/sessions.ts';
import { rejectsWith } from '../../../helpers/rejectsWith.ts';
import type { Session } from '../../../../src/data/format/types.ts';

const rng = new Rng(11);
const tracks = randomTracks(50, rng);

/** Sessions that exercise every corner: unknown tracks, out-of-vocabulary categories, odd dates, big seek counts. */
function varied(): Session[] {
  const sessions = randomSessions(40, tracks, rng).map((s, i) => ({ ...s, source: `logs.tar.gz › training_set/log_0_20180715_000000000000.csv:${2 + i * 20}` }));
  const r = sessions[3].rows;
  r[0] = { ...r[0], trackId: 't_not_in_table', contextType: 6, reasonStart: 9, reasonEnd: 8, seekFwd: 65535, seekBack: 300 };
  r[1] = { ...r[1], date: '2032-05-25', hour: 23 };
  sessions[5] = { ...sessions[5], day: '2018-07-16', length: sessions[5].rows.length + 3 };
  return sessions;
}

function roundTrip(block: SessionBlock): SessionBlock {
  const bytes = serializeBlock(block);
  const h = readBlockHeader(bytes)!;
  const body = Buffer.allocUnsafeSlow(bytes.length - BLOCK_HEADER_BYTES);
  bytes.copy(body, 0, BLOCK_HEADER_BYTES);
  return deserializeBlock(h, body);
}

test('a block with a track table stores rows and gives back equal sessions', () => {
  const sessions = varied();
  const builder = new SessionBlockBuilder('logs.tar.gz › training_set/log_0_20180715_000000000000.csv', tracks);
  for (const s of sessions) builder.add(s);
  const block = roundTrip(builder.take());
  assert.is(block.extraTrackIds.length, 1, 'only the unknown id is kept as a string');
  assert.ok(block.trackRow.some((v) => v >= 0));
  for (let s = 0; s < sessions.length; s++) assert.equal(sessionAt(block, s, tracks), sessions[s], `session ${s}`);
});

test('builder.take starts a fresh block', () => {
  const sessions = varied();
  const builder = new SessionBlockBuilder('x.csv', tracks);
  builder.add(sessions[0]);
  builder.take();
  builder.add(sessions[1]);
  const block = builder.take();
  assert.is(block.ids.length, 1);
  assert.equal(sessionAt(block, 0, tracks), { ...sessions[1], source: `x.csv:${sessions[1].source.split(':').pop()}` });
});

test('shard files: several blocks round-trip; a truncated or foreign shard is a DataError naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiptrain-shard-'));
  try {
    const sessions = varied();
    const path = join(dir, 'shard-00000.skb');
    const w = new ShardWriter(path);
    const builder = new SessionBlockBuilder('logs.tar.gz › training_set/log_0_20180715_000000000000.csv', tracks);
    for (let i = 0; i < sessions.length; i++) {
      builder.add(sessions[i]);
      if (builder.sessions === 7) await w.write(builder.take());
    }
    await w.write(builder.take());
    await w.finish();
    assert.is(w.sessions, sessions.length);
    const back: Session[] = [];
    let blocks = 0;
    for await (const b of readShardBlocks(path)) {
      blocks++;
      for (let s = 0; s < b.ids.length; s++) back.push(sessionAt(b, s, tracks));
    }
    assert.is(blocks, Math.ceil(sessions.length / 7));
    assert.equal(back, sessions);

    await truncate(path, w.bytes - 10);
    await rejectsWith(async () => {
      for await (const _ of readShardBlocks(path)) void _;
    }, /shard-00000\.skb: cache shard is truncated/);
    await writeFile(path, 'not a shard at all, just text');
    await rejectsWith(async () => {
      for await (const _ of readShardBlocks(path)) void _;
    }, /shard-00000\.skb: not a cache block at byte 0/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a shard checked against its CRC: ten flipped bytes are a DataError naming it, and no block comes out', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiptrain-shard-'));
  try {
    const path = join(dir, 'shard-00000.skb');
    const w = new ShardWriter(path);
    const builder = new SessionBlockBuilder('x.csv', tracks);
    for (const s of varied()) {
      builder.add(s);
      if (builder.sessions === 10) await w.write(builder.take());
    }
    await w.write(builder.take());
    await w.finish();
    const bytes = await readFile(path);
    assert.is(w.crc32c, crc32c(bytes), "the writer's CRC is the file's");
    let blocks = 0;
    for await (const _ of readShardBlocks(path, w.crc32c)) blocks++;
    assert.is(blocks, 4);

    // In the last block, so that a reader checking only as it goes would have handed out the first three.
    for (let i = bytes.length - 30; i < bytes.length - 20; i++) bytes[i] ^= 0xff;
    await writeFile(path, bytes);
    let yielded = 0;
    await rejectsWith(async () => {
      for await (const _ of readShardBlocks(path, w.crc32c)) yielded++;
    }, new RegExp(`^${path}: cache shard is corrupt \\(CRC-32C 0x[0-9a-f]{8}, the manifest says 0x[0-9a-f]{8}\\): delete the cache folder ${dir}; the next run with data\\.cache \\(or prepare --cache\\) builds it again$`));
    assert.is(yielded, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

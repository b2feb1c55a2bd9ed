// The one column table (format/block.ts: SESSION_COLUMNS, ROW_COLUMNS): the reader's blocks, the cache's shard
// layout, blocks made of Session objects and the parser's columns that the assembler copies all agree with it —
// a column added to the table and forgotten anywhere fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockOfSessions, COLUMNS, ROW_COLUMNS, type SessionBlock } from '../../../../src/data/format/block.ts';
import { blockBodyBytes, deserializeBlock, readBlockHeader, serializeBlock } from '../../../../src/data/cache/shardFormat.ts';
import { readLogBlocks } from '../../../../src/data/read/blockReader.ts';
import { RangeParser } from '../../../../src/data/read/rangeParser.ts';
import { LOG_COLUMNS } from '../../../../src/data/format/columns.ts';
import { writeSynth } from '../../../../src/data/synth/index.ts';
import { Rng } from '../../../../src/util/rng.ts';
import { randomSessions, randomTracks } from '../../../helpers/sessions.ts';

/** The block has exactly the table's columns, each of its array type and as long as its kind says. */
function assertFollowsTable(b: SessionBlock, what: string): void {
  const S = b.ids.length;
  const R = S ? b.rowEnd[S - 1] : 0;
  const typed = Object.keys(b).filter((k) => ArrayBuffer.isView((b as unknown as Record<string, unknown>)[k]));
  assert.equal(typed.sort(), COLUMNS.map((c) => c.name).sort(), `${what}: typed columns`);
  for (const { name, perRow, type } of COLUMNS) {
    assert.ok(b[name] instanceof type, `${what}: ${name} is a ${type.name}`);
    assert.is(b[name].length, perRow ? R : S, `${what}: ${name} length`);
  }
}

test("the reader's blocks, blocks of Session objects and the shard file's blocks follow the table", async () => {
  const data = await writeSynth({ out: mkdtempSync(join(tmpdir(), 'column-table-')), sessions: 300, days: 1, seed: 2, tracks: 100 });
  let blocks = 0;
  for await (const item of readLogBlocks(data.logs, { workers: 0 })) {
    if (item.kind !== 'block') continue;
    blocks++;
    assertFollowsTable(item.block, 'reader');
    const bytes = serializeBlock(item.block);
    const h = readBlockHeader(bytes)!;
    const S = item.block.ids.length;
    assert.is(bytes.length - 16, blockBodyBytes(h.jsonBytes, S, item.block.rowEnd[S - 1]), 'body size from the table');
    const back = deserializeBlock(h, bytes.subarray(16));
    assertFollowsTable(back, 'shard');
    for (const { name } of COLUMNS) assert.equal(Array.from(back[name]), Array.from(item.block[name]), `shard round trip: ${name}`);
  }
  assert.ok(blocks > 0);
  const rng = new Rng(4);
  const tracks = randomTracks(20, rng);
  assertFollowsTable(blockOfSessions(randomSessions(5, tracks, rng), tracks), 'blockOfSessions');
});

test("the parser's columns that the assembler copies into a block have the table's types", () => {
  const layout = { positions: LOG_COLUMNS.map((_, i) => i), width: LOG_COLUMNS.length, exact: true };
  const rows = new RangeParser(layout, 'auto').parse(Buffer.from(''), 0, 0);
  for (const name of ['flags', 'categories', 'seekFwd', 'seekBack', 'hour'] as const) {
    assert.ok(rows[name] instanceof ROW_COLUMNS[name], `RangeRows.${name} is a ${ROW_COLUMNS[name].name}`);
  }
});

test.run();

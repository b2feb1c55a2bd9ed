// The raised heap growth of a log pass: set by the first hold, put back by the last release, never twice, and left
// alone when the user set it on node's command line. A real read holds it while it runs and releases it after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeapGrowth, passHeapGrowth } from '../../../src/util/heapGrowth.ts';
import { readLogBlocks } from '../../../src/data/read/blockReader.ts';
import { logFile, tempDir } from '../../helpers/dataFixtures.ts';

function recording(chosenByUser = false): { growth: HeapGrowth; flags: string[] } {
  const flags: string[] = [];
  return { growth: new HeapGrowth((f) => flags.push(f), chosenByUser), flags };
}

test('overlapping holds raise the growth once and restore V8 rule after the last release', () => {
  const { growth, flags } = recording();
  const a = growth.hold();
  const b = growth.hold();
  assert.equal(flags, ['--heap-growing-percent=200']);
  a();
  a(); // a second call of the same release must not end b's hold
  assert.equal(flags, ['--heap-growing-percent=200']);
  b();
  assert.equal(flags, ['--heap-growing-percent=200', '--heap-growing-percent=0']);
  growth.hold()();
  assert.equal(flags.length, 4);
});

test("a growth chosen on node's command line is never changed", () => {
  const { growth, flags } = recording(true);
  growth.hold()();
  assert.equal(flags, []);
});

test('a log read holds the growth while it runs and releases it when it ends, stops early or fails', async () => {
  const dir = tempDir();
  const good = join(dir, 'log_0_20180715_000000000000.csv');
  writeFileSync(good, logFile([['a', 3], ['b', 2]]));
  const bad = join(dir, 'bad.csv.gz');
  writeFileSync(bad, 'not gzip');
  const hold = passHeapGrowth.hold;
  let held = 0;
  passHeapGrowth.hold = () => {
    held++;
    return () => held--;
  };
  try {
    let heldInside = 0;
    for await (const item of readLogBlocks(good, { workers: 0 })) if (item.kind === 'block') heldInside = held;
    assert.is(heldInside, 1);
    assert.is(held, 0);
    for await (const item of readLogBlocks(good, { workers: 0 })) if (item.kind === 'entry') break;
    assert.is(held, 0);
    try {
      for await (const item of readLogBlocks(bad, { workers: 0 })) void item;
      assert.unreachable('a file that is not gzip must fail the read');
    } catch (e) {
      assert.match((e as Error).message, /gzip/);
    }
    assert.is(held, 0);
  } finally {
    passHeapGrowth.hold = hold;
  }
});

test.run();

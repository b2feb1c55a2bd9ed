// Fuzzed track-feature CSVs: a synthetic tf_*.csv, mutated as the log files are (test/helpers/mutators.ts), read by
// loadTrackTable. Every outcome is a table or a DataError naming the file and line. A table has one track per data
// line, finite features, and — where a line is the original's, under the original header — that line's features;
// a file whose columns were only permuted gives the original's table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadTrackTable } from '../../../../src/data/read/tracks.ts';
import type { TrackTable } from '../../../../src/data/format/types.ts';
import { assertUserFacing, FUZZ, synthInputs } from '../../../helpers/fuzz.ts';
import { meaningKept, mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
let original: Buffer = Buffer.alloc(0);
let originalTable: TrackTable;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-tracks-'));
  original = (await synthInputs(dir)).trackFile;
  const file = join(dir, 'tf_000000000000.csv');
  await writeFile(file, original);
  originalTable = await loadTrackTable(file);
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lines as the reader counts them: '\n' ends a line, a '\r' before it is no part of it, blank lines hold nothing. */
const contentLines = (text: string) => text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0);

const features = (t: TrackTable, row: number) => Array.from(t.features.subarray(row * t.width, (row + 1) * t.width));

async function check(ms: Mutation[]): Promise<void> {
  const file = join(dir, 'tf_000000000000.csv');
  const bytes = mutateAll(original, ms);
  await writeFile(file, bytes);
  let table: TrackTable;
  try {
    table = await loadTrackTable(file);
  } catch (e) {
    assertUserFacing(e, file, true);
    return;
  }
  const how = JSON.stringify(ms);
  const lines = contentLines(bytes.toString('utf8'));
  assert.is(table.ids.length, lines.length - 1, `${how}: one track per data line`);
  assert.is(table.index.size, table.ids.length, `${how}: ids are distinct`);
  assert.ok(table.features.every(Number.isFinite), `${how}: finite features`);
  const before = contentLines(original.toString('utf8'));
  if (lines[0] === before[0]) {
    const kept = new Set(lines);
    for (let row = 0; row < originalTable.ids.length; row++) {
      const id = originalTable.ids[row];
      if (kept.has(before[row + 1]) && table.index.has(id)) {
        assert.equal(features(table, table.index.get(id)!), features(originalTable, row), `${how}: track ${id}`);
      }
    }
  }
  if (meaningKept(ms)) assert.equal(table, originalTable, `${how}: columns permuted, yet another table`);
}

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const REGRESSIONS: [Mutation[]][] = [
  // seed 1538870118: a feature beyond float32's range was stored as -Infinity.
  [[{ kind: 'retype', line: 0, field: 1, value: '-3.4028235677973366e+38' }]],
];

test('a synthetic track file, mutated: a table true to its lines, or a DataError naming the line', async () => {
  await fc.assert(fc.asyncProperty(mutationsArb, check), { ...FUZZ, examples: REGRESSIONS });
});

test.run();

// Fuzzed Parquet: the parts `export --parquet` writes of the synthetic logs (and of the real excerpt, where it is
// there), their bytes mutated (test/helpers/mutators.ts) in place inside the export and read as a log source. Every
// outcome is the original's sessions or a DataError naming the file — never a hyparquet exception, never other rows:
// the export's _checksums.json (parquet/exportChecksums.ts) catches what Parquet itself does not (a flipped value in
// a data page decodes without error). A part copied out of its export is read unchecked, as any other writer's file:
// then the outcome is still the original's sessions, other rows, or a user-facing error — never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readSessions } from '../../../../src/data/read/logs.ts';
import { exportParquet } from '../../../../src/data/export/exportParquet.ts';
import { EXCERPT } from '../../../helpers/dataFixtures.ts';
import { assertUserFacing, FUZZ, outcomeOf, synthInputs, type Outcome } from '../../../helpers/fuzz.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
/** Each part by name (source and day): its path inside its export, its bytes and what reading it gives. */
const parts = new Map<string, { file: string; bytes: Buffer; outcome: Outcome }>();

const read = (file: string) => outcomeOf((counts) => readSessions(file, { counts, workers: 0 }));

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-parquet-'));
  const sources: [string, string][] = [['synth', (await synthInputs(dir)).logs]];
  if (EXCERPT) sources.push(['excerpt', EXCERPT]);
  for (const [name, source] of sources) {
    const out = join(dir, `export-${name}`);
    await exportParquet(readSessions(source), out);
    for (const day of (await readdir(out)).filter((f) => f.startsWith('day=')).sort()) {
      const [part] = await readdir(join(out, day));
      const file = join(out, day, part);
      const outcome = await read(file);
      assert.ok(outcome.ok && outcome.sessions.length > 0, file);
      parts.set(`${name}-${day}`, { file, bytes: await readFile(file), outcome });
    }
  }
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Failures found, as fast-check shrank them. */
const REGRESSIONS: [string, Mutation[]][] = [
  // A bit flipped in a data page read as another value: no checksum covered the rows.
  ['synth-day=2018-07-15', [{ kind: 'flipByte', at: 703, bit: 4 }]],
  // A bit flipped in a row group's row count: an allocation of that many rows threw a RangeError.
  ['synth-day=2018-07-16', [{ kind: 'flipByte', at: 49503, bit: 0 }]],
];

test('parts of the export, mutated in place: the original sessions, or a DataError naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...parts.keys()), mutationsArb, async (name, ms) => {
      const { file, bytes, outcome } = parts.get(name)!;
      const mutated = mutateAll(bytes, ms);
      await writeFile(file, mutated);
      try {
        const got = await read(file);
        if (!got.ok) assertUserFacing(got.error, file, false);
        else assert.equal(got.sessions, outcome.ok && outcome.sessions, `${name} ${JSON.stringify(ms)}`);
      } finally {
        await writeFile(file, bytes);
      }
    }),
    { ...FUZZ, examples: REGRESSIONS },
  );
});

test('a mutated part outside its export (unchecked, as any writer\'s file): rows or a user-facing error, never a crash', async () => {
  const loose = join(dir, 'loose.parquet');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...parts.keys()), mutationsArb, async (name, ms) => {
      await writeFile(loose, mutateAll(parts.get(name)!.bytes, ms));
      const got = await read(loose);
      if (!got.ok) assertUserFacing(got.error, loose, false);
    }),
    { ...FUZZ, examples: REGRESSIONS },
  );
});

test.run();

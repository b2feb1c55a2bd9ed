// Fuzzed Parquet: the parts `export --parquet` writes of the synthetic logs (and of the real excerpt, where it is
// there), their bytes mutated (test/helpers/mutators.ts) and read as a log source. Every outcome is the original's
// sessions or a DataError naming the file — never a hyparquet exception, never other rows: the rows' CRC-32C that
// the export records (parquet/rowText.ts) catches what Parquet itself does not (a flipped value in a data page).
// Only a mutation that also destroys that record leaves the rows unchecked, as in any other writer's file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { readSessions } from '../../../../src/data/logs.ts';
import { exportParquet } from '../../../../src/data/parquet/exportParquet.ts';
import { ROWS_CRC_KEY } from '../../../../src/data/parquet/rowText.ts';
import { EXCERPT } from '../../../helpers/dataFixtures.ts';
import { assertUserFacing, FUZZ, outcomeOf, synthInputs, type Outcome } from '../../../helpers/fuzz.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
/** Each part by name (source and day), its bytes and what reading it gives. */
const parts = new Map<string, { bytes: Buffer; outcome: Outcome }>();

const read = (file: string) => outcomeOf((counts) => readSessions(file, { counts, workers: 0 }));
const fileFor = (name: string) => join(dir, 'read', `${name}.parquet`);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-parquet-'));
  await mkdir(join(dir, 'read'));
  const sources: [string, string][] = [['synth', (await synthInputs(dir)).logs]];
  if (EXCERPT) sources.push(['excerpt', EXCERPT]);
  for (const [name, source] of sources) {
    const out = join(dir, `export-${name}`);
    await exportParquet(readSessions(source), out);
    for (const day of (await readdir(out)).sort()) {
      const [part] = await readdir(join(out, day));
      const bytes = await readFile(join(out, day, part));
      const key = `${name}-${day}`;
      await writeFile(fileFor(key), bytes);
      const outcome = await read(fileFor(key));
      assert.ok(outcome.ok && outcome.sessions.length > 0, key);
      parts.set(key, { bytes, outcome });
    }
  }
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The file still carries the export's checksum of its rows (false when its metadata no longer parses). */
async function checked(file: string): Promise<boolean> {
  try {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    return meta.key_value_metadata?.some((kv) => kv.key === ROWS_CRC_KEY) ?? false;
  } catch {
    return false;
  }
}

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const REGRESSIONS: [string, Mutation[]][] = [
  // A bit flipped in a data page read as another value: no checksum covered the rows.
  ['synth-day=2018-07-15', [{ kind: 'flipByte', at: 703, bit: 4 }]],
];

test('parts of the export, mutated: the original sessions, or a DataError naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...parts.keys()), mutationsArb, async (name, ms) => {
      const file = fileFor(name);
      const { bytes, outcome } = parts.get(name)!;
      await writeFile(file, mutateAll(bytes, ms));
      const got = await read(file);
      if (!got.ok) assertUserFacing(got.error, file, false);
      else if (await checked(file)) assert.equal(got.sessions, outcome.ok && outcome.sessions, `${name} ${JSON.stringify(ms)}`);
    }),
    { ...FUZZ, examples: REGRESSIONS },
  );
});

test.run();

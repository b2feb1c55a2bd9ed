// Fuzzed archives: a synthetic training_set.tar.gz and one of its log files as .csv.gz, their compressed bytes
// mutated (test/helpers/mutators.ts) — gzip's CRC-32 then either leaves the content as it was (a changed header
// field, padding bits) or stops the read with a DataError naming the archive, never a zlib or tar-stream exception;
// and the tar inside mutated and compressed again, where the columnar reader agrees with the reference reader:
// the same sessions, or the same DataError naming the archive (and member and line, when the bytes came through).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readSessions } from '../../../../src/data/read/logs.ts';
import { assertAgrees, assertUserFacing, FUZZ, outcomeOf, referenceOutcome, synthInputs, type Outcome } from '../../../helpers/fuzz.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
/** The compressed originals by the name they are read under, with their sessions. */
const originals = new Map<string, { bytes: Buffer; outcome: Outcome }>();
let tar: Buffer = Buffer.alloc(0);

const read = (file: string) => outcomeOf((counts) => readSessions(file, { counts, workers: 0, rangeBytes: 1024 }));

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-archive-'));
  const synth = await synthInputs(dir);
  const tgz = await readFile(synth.logs);
  tar = gunzipSync(tgz);
  const csvGz = gzipSync(synth.logFiles[0].bytes);
  for (const [name, bytes] of [['training_set.tar.gz', tgz], [`${synth.logFiles[0].name}.gz`, csvGz]] as const) {
    const file = join(dir, name);
    await writeFile(file, bytes);
    const outcome = await read(file);
    assert.ok(outcome.ok && outcome.sessions.length > 0, name);
    originals.set(name, { bytes, outcome });
  }
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('compressed bytes mutated: the original sessions, or a DataError naming the archive', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...originals.keys()), mutationsArb, async (name, ms) => {
      const file = join(dir, name);
      const { bytes, outcome } = originals.get(name)!;
      await writeFile(file, mutateAll(bytes, ms));
      const got = await read(file);
      if (got.ok) {
        // What was read is what was compressed (sizes aside: a mutation may change the compressed size).
        assert.equal(got.sessions, outcome.ok && outcome.sessions, `${name} ${JSON.stringify(ms)}`);
        assert.equal({ ...got.counts, compressedBytes: 0 }, { ...(outcome.ok && outcome.counts), compressedBytes: 0 });
      } else {
        assertUserFacing(got.error, file, false);
      }
    }),
    { ...FUZZ },
  );
});

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const TAR_REGRESSIONS: [Mutation[]][] = [];

test('the tar inside mutated: the reference reader’s sessions, or its DataError naming the archive', async () => {
  const file = join(dir, 'mutated.tar.gz');
  await fc.assert(
    fc.asyncProperty(mutationsArb, async (ms) => {
      await writeFile(file, gzipSync(mutateAll(tar, ms)));
      const ref = await referenceOutcome(file, {});
      assertAgrees(ref, await read(file), file, JSON.stringify(ms), false);
    }),
    { ...FUZZ, examples: TAR_REGRESSIONS },
  );
});

test.run();

// Fuzzed challenge test sets: the synthetic log_prehistory_… and log_input_… CSVs, one of them mutated
// (test/helpers/mutators.ts), read by readChallengeTestSet as predict reads them. Every outcome is a list of
// sessions whose known and hidden parts add up to their length (⌊L/2⌋ known), or a DataError naming one of the two
// files — never another exception.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { knownRows } from '../../../../src/data/format/challenge.ts';
import { readChallengeTestSet } from '../../../../src/data/batch/testset.ts';
import type { ChallengeSession } from '../../../../src/data/format/types.ts';
import { collect } from '../../../helpers/dataFixtures.ts';
import { assertUserFacing, FUZZ, synthInputs } from '../../../helpers/fuzz.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
const files = { prehistory: '', input: '' };
const originals = { prehistory: Buffer.alloc(0), input: Buffer.alloc(0) };
let expected: ChallengeSession[] = [];

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-testset-'));
  const { testSet } = await synthInputs(dir);
  await mkdir(join(dir, 'read'));
  for (const half of ['prehistory', 'input'] as const) {
    originals[half] = await readFile(testSet[half]);
    files[half] = join(dir, 'read', basename(testSet[half]));
    await writeFile(files[half], originals[half]);
  }
  expected = await collect(readChallengeTestSet([files.prehistory], [files.input]));
  assert.ok(expected.length > 0);
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a test set with one file mutated: whole sessions, or a DataError naming a file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('prehistory' as const, 'input' as const), mutationsArb, async (half, ms: Mutation[]) => {
      await writeFile(files.prehistory, half === 'prehistory' ? mutateAll(originals.prehistory, ms) : originals.prehistory);
      await writeFile(files.input, half === 'input' ? mutateAll(originals.input, ms) : originals.input);
      let sessions: ChallengeSession[];
      try {
        sessions = await collect(readChallengeTestSet([files.prehistory], [files.input]));
      } catch (e) {
        // A broken pairing may be told at the other file's line (the session it has no counterpart for).
        assertUserFacing(e, String((e as Error)?.message).startsWith(files.input) ? files.input : files.prehistory, false);
        return;
      }
      for (const s of sessions) {
        assert.is(s.known.length, knownRows(s.length), `${half} ${JSON.stringify(ms)}: ${s.id}`);
        assert.is(s.known.length + s.hiddenTrackIds.length, s.length, `${half} ${JSON.stringify(ms)}: ${s.id}`);
      }
    }),
    { ...FUZZ },
  );
});

test.run();

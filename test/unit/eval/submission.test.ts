import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, UserError } from '../../../src/errors.ts';
import { expandGlobs } from '../../../src/util/expandGlobs.ts';
import { submissionLines, writeSubmission } from '../../../src/eval/submission.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { asBatches, handBatch } from '../../helpers/handBatches.ts';

const sessions = [
  { id: 'a', skips: [1, 0, 0, 1, 1] }, // 3 hidden
  { id: 'b', skips: [0, 1, 1, 0] }, // 2 hidden
  { id: 'c', skips: Array(20).fill(1) }, // 10 hidden
];
/** Predicts the truth: the lines must then be the hidden labels. */
const truthful = (batch: Batch) => Float32Array.from(batch.labels, (y) => (y ? 0.7 : 0.2));

test('one line per session, one 0/1 per hidden position', () => {
  const batch = handBatch(sessions, 'challenge');
  assert.equal(submissionLines(batch, truthful(batch)), ['011', '10', '1111111111']);
});

test('a batch whose hidden count disagrees with session_length is a DataError naming the session', () => {
  const batch = handBatch([sessions[0]], 'challenge');
  batch.mask[0] = 1; // as if a known row were marked hidden
  assert.throws(() => submissionLines(batch, truthful(batch)), (e: unknown) => e instanceof DataError && /session a of length 5/.test((e as Error).message));
});

test('the submission is written whole, in batch order; a failure leaves nothing behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-sub-'));
  const out = join(dir, 'sub', 'submission.txt');
  const n = await writeSubmission(out, asBatches(handBatch(sessions.slice(0, 2), 'challenge'), handBatch([sessions[2]], 'challenge')), truthful);
  assert.is(n, 3);
  assert.is(readFileSync(out, 'utf8'), '011\n10\n1111111111\n');

  const failing = async function* () {
    yield handBatch([sessions[0]], 'challenge');
    throw new DataError('broken input', 'log_input_20180918_000000000000.csv:7');
  };
  const out2 = join(dir, 'sub', 'other.txt');
  await writeSubmission(out2, failing(), truthful).then(
    () => assert.unreachable('should have thrown'),
    (e) => assert.instance(e, DataError),
  );
  assert.not.ok(existsSync(out2));
  assert.equal(readdirSync(join(dir, 'sub')), ['submission.txt']);
});

test('globs: sorted matches in the file-name part; plain paths kept; no match is a UserError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-glob-'));
  mkdirSync(join(dir, 'test_set'));
  for (const f of ['log_input_20180919_000000000000.csv', 'log_input_20180918_000000000000.csv', 'log_prehistory_20180918_000000000000.csv']) {
    writeFileSync(join(dir, 'test_set', f), '');
  }
  const ts = join(dir, 'test_set');
  assert.equal(expandGlobs([join(ts, 'log_input_*.csv')], '--input'), [
    join(ts, 'log_input_20180918_000000000000.csv'),
    join(ts, 'log_input_20180919_000000000000.csv'),
  ]);
  assert.equal(expandGlobs([join(ts, 'log_prehistory_2018091?_000000000000.csv')], '--prehistory'), [join(ts, 'log_prehistory_20180918_000000000000.csv')]);
  assert.throws(() => expandGlobs([join(ts, 'log_nothing_*.csv')], '--input'), (e: unknown) => e instanceof UserError && /matches no file/.test((e as Error).message));
  assert.throws(() => expandGlobs([join(ts, 'missing.csv')], '--input'), (e: unknown) => e instanceof UserError && /no such file/.test((e as Error).message));
  assert.throws(() => expandGlobs([join(dir, '*', 'x.csv')], '--input'), (e: unknown) => e instanceof UserError);
});

test.run();

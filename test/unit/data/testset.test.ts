import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readChallengeTestSet } from '../../../src/data/batch/testset.ts';
import { challengeBatches } from '../../../src/data/batch/batches.ts';
import { submissionLines } from '../../../src/eval/submission.ts';
import { memoryContext } from '../../helpers/sessions.ts';
import { INPUT_COLUMNS } from '../../../src/data/format/columns.ts';
import { collect, dataErrorOf, LOG_HEADER, logLine, tempDir } from '../../helpers/dataFixtures.ts';

/** Prehistory and input text for sessions [id, length], split at ⌊L/2⌋ as the challenge does. */
function challengeFiles(sessions: [string, number][], date: string) {
  const pre = [LOG_HEADER];
  const input = [INPUT_COLUMNS.join(',')];
  for (const [id, L] of sessions) {
    for (let p = 1; p <= L; p++) {
      const track = `t_${id}_${p}`;
      if (p <= Math.floor(L / 2)) pre.push(logLine({ session: id, position: p, length: L, track, date }));
      else input.push([id, p, L, track].join(','));
    }
  }
  return { pre: pre.join('\n') + '\n', input: input.join('\n') + '\n' };
}

function writeDay(dir: string, day: string, sessions: [string, number][], tweak?: (f: { pre: string; input: string }) => void) {
  const compact = day.replaceAll('-', '');
  const files = challengeFiles(sessions, day);
  tweak?.(files);
  writeFileSync(join(dir, `log_prehistory_${compact}_000000000000.csv`), files.pre);
  writeFileSync(join(dir, `log_input_${compact}_000000000000.csv`), files.input);
  return {
    pre: join(dir, `log_prehistory_${compact}_000000000000.csv`),
    input: join(dir, `log_input_${compact}_000000000000.csv`),
  };
}

test('pairs prehistory and input by date; sessions in sorted-file order with known and hidden halves', async () => {
  const dir = tempDir();
  const d2 = writeDay(dir, '2018-07-16', [['c', 20]]);
  const d1 = writeDay(dir, '2018-07-15', [['a', 11], ['b', 10]]);
  // Given out of order: files are paired and read by date.
  const sessions = await collect(readChallengeTestSet([d2.pre, d1.pre], [d1.input, d2.input]));
  assert.equal(sessions.map((s) => s.id), ['a', 'b', 'c']);
  const a = sessions[0];
  assert.is(a.length, 11);
  assert.equal(a.known.map((r) => r.position), [1, 2, 3, 4, 5]);
  assert.equal(a.hiddenTrackIds, ['t_a_6', 't_a_7', 't_a_8', 't_a_9', 't_a_10', 't_a_11']);
  assert.is(sessions[1].known.length, 5);
  assert.is(sessions[1].hiddenTrackIds.length, 5);
  assert.is(sessions[2].known[9].trackId, 't_c_10');
  assert.is(sessions[2].hiddenTrackIds[0], 't_c_11');
  // A folder holding both halves can be passed as both arguments.
  const again = await collect(readChallengeTestSet([dir], [dir]));
  assert.equal(again.map((s) => s.id), ['a', 'b', 'c']);
});

test('mismatched sessions, order, lengths or files are DataErrors', async () => {
  const swapped = writeDay(tempDir(), '2018-07-15', [['a', 10], ['b', 10]], (f) => {
    const lines = f.input.trim().split('\n');
    f.input = [lines[0], ...lines.slice(6), ...lines.slice(1, 6)].join('\n') + '\n';
  });
  assert.match(
    await dataErrorOf(collect(readChallengeTestSet([swapped.pre], [swapped.input]))),
    /log_input_20180715_000000000000\.csv:2: prehistory session a .* is paired with input session b/,
  );
  const lengths = writeDay(tempDir(), '2018-07-15', [['a', 10]], (f) => {
    f.input = f.input.replace(/^(a,\d+,)10,/gm, (_, head) => `${head}11,`) + 'a,11,11,t_x\n';
  });
  assert.match(
    await dataErrorOf(collect(readChallengeTestSet([lengths.pre], [lengths.input]))),
    /log_input_20180715_000000000000\.csv:2: session a has session_length 10 in the prehistory \(.*log_prehistory_20180715_000000000000\.csv:2\) but 11 here/,
  );
  const gap = writeDay(tempDir(), '2018-07-15', [['a', 10]], (f) => {
    f.input = f.input.split('\n').filter((l) => !l.startsWith('a,8,')).join('\n');
  });
  assert.match(await dataErrorOf(collect(readChallengeTestSet([gap.pre], [gap.input]))), /log_input_20180715_000000000000\.csv:4: session_position '9' of session a: expected 8/);
  const extra = writeDay(tempDir(), '2018-07-15', [['a', 10]], (f) => {
    f.input += ['z', 6, 10, 't'].join(',') + '\n' + [7, 8, 9, 10].map((p) => ['z', p, 10, 't'].join(',')).join('\n') + '\n';
  });
  assert.match(await dataErrorOf(collect(readChallengeTestSet([extra.pre], [extra.input]))), /log_input_20180715_000000000000\.csv:7: session has no counterpart in the prehistory file/);
  const dir = tempDir();
  const one = writeDay(dir, '2018-07-15', [['a', 10]]);
  const other = writeDay(dir, '2018-07-16', [['a', 10]]);
  assert.match(await dataErrorOf(collect(readChallengeTestSet([one.pre], [other.input]))), /their dates differ \(2018-07-15 vs 2018-07-16\)/);
  assert.match(await dataErrorOf(collect(readChallengeTestSet([one.pre, other.pre], [one.input]))), /log_prehistory_20180716_000000000000\.csv: has no input file to pair with/);
});

test('a prehistory with more than ⌊L/2⌋ rows is rejected', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'x'));
  const f = writeDay(join(dir, 'x'), '2018-07-15', [['a', 10]], (files) => {
    files.pre += logLine({ session: 'a', position: 6, length: 10, date: '2018-07-15' }) + '\n';
  });
  assert.match(await dataErrorOf(collect(readChallengeTestSet([f.pre], [f.input]))), /log_prehistory_20180715_000000000000\.csv:2: session a has 6 prehistory rows; expected ⌊10\/2⌋ = 5/);
});

test('with a track table, an unknown hidden track is an error naming the input line (or counted under zeros)', async () => {
  const dir = tempDir();
  const f = writeDay(dir, '2018-07-15', [['a', 4]]);
  const ids = ['t_a_1', 't_a_2', 't_a_3'];
  const tracks = { ids, index: new Map(ids.map((id, i) => [id, i])), features: new Float32Array(ids.length * 29), width: 29 };
  assert.match(await dataErrorOf(collect(readChallengeTestSet([f.pre], [f.input], { tracks }))), /log_input_20180715_000000000000\.csv:3: track 't_a_4' is not in the track table/);
  const unknownCount = { rows: 0 };
  const sessions = await collect(readChallengeTestSet([f.pre], [f.input], { tracks, unknownTracks: 'zeros', unknownCount }));
  assert.equal(sessions[0].hiddenTrackIds, ['t_a_3', 't_a_4']);
  assert.is(unknownCount.rows, 1);
});

test('a session of length 1 has no prehistory row: it is still paired and predicted', async () => {
  const day = writeDay(tempDir(), '2018-07-15', [['a', 1], ['b', 4], ['c', 1], ['d', 1]]);
  const sessions = await collect(readChallengeTestSet([day.pre], [day.input]));
  assert.equal(sessions.map((s) => s.id), ['a', 'b', 'c', 'd']);
  assert.equal(sessions[0].known, []);
  assert.equal(sessions[0].hiddenTrackIds, ['t_a_1']);
  assert.equal(sessions[1].known.map((r) => r.position), [1, 2]);
  assert.equal(sessions[3].hiddenTrackIds, ['t_d_1']);
  // and the submission has one prediction for it
  const ctx = memoryContext({ ids: ['t_a_1', 't_b_1', 't_b_2', 't_b_3', 't_b_4', 't_c_1', 't_d_1'], index: new Map(), features: new Float32Array(7 * 29), width: 29 }, (c) => (c.data.unknownTracks = 'zeros'));
  const lines: string[] = [];
  for await (const batch of challengeBatches(ctx, readChallengeTestSet([day.pre], [day.input]), 8)) lines.push(...submissionLines(batch, new Float32Array(batch.size * batch.seqLen).fill(0.9)));
  assert.equal(lines, ['1', '11', '1', '1']);
});

test.run();

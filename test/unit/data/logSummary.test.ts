// summarizeLogs, what `skiptrain inspect` prints (the command itself: test/e2e/commands/inspect.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary } from '../../../src/commands/inspect.ts';
import { accumulateLogSummary, mergeLogSummaries, summarizeLogs } from '../../../src/data/passes/logSummary.ts';
import { EXCERPT, EXCERPT_PANDAS, excerptTest, LOG_HEADER, logFile, logLine, madeUpCategories, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/unit/data/logSummary.test.ts');
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';

withExcerpt('both excerpt files: 11 sessions, 201 rows, 28 rows on 2018-07-14 and 173 on 2018-07-15', async () => {
  for (const file of [EXCERPT, EXCERPT_PANDAS]) {
    const s = await summarizeLogs(file);
    assert.is(s.files, 1);
    assert.is(s.sessions, 11);
    assert.is(s.rows, 201);
    assert.equal(s.dates, { '2018-07-14': 28, '2018-07-15': 173 });
    assert.is(s.distinctTracks, 175);
    assert.is(s.unknownTracks, null);
    assert.ok(s.skip2Rate > 0 && s.skip2Rate < 1);
    assert.match(formatSummary(file, s), /sessions\s+11\n/);
  }
});

withExcerpt('with a track table, tracks missing from it are counted (all of the excerpt)', async () => {
  const dir = tempDir();
  const tf = join(dir, 'tf.csv');
  writeFileSync(tf, [TRACK_HEADER, trackLine('t_0479f24c-27d2-46d6-a00c-7ec928f2b539', TRACK_FEATURES.map(() => 0))].join('\n'));
  const s = await summarizeLogs(EXCERPT, { tracks: tf });
  assert.is(s.unknownTracks, 174); // one of the 175 is in this table
  const logs = join(dir, 'log.csv');
  writeFileSync(logs, [LOG_HEADER, logLine({ session: 'a', position: 1, length: 2, skip2: true }), logLine({ session: 'a', position: 2, length: 2 })].join('\n'));
  const small = await summarizeLogs(logs, { tracks: tf });
  assert.is(small.skip2Rate, 0.5);
  assert.is(small.unknownTrackRows, 2);
});

test('values outside a vocabulary: counted per column, printed with examples, added across shards', async () => {
  const dir = tempDir();
  const { text, expected } = madeUpCategories(logFile([['a', 20], ['b', 20], ['c', 12]]));
  const logs = join(dir, 'made-up.csv');
  writeFileSync(logs, text);
  const s = await summarizeLogs(logs);
  assert.equal(s.unknownCategories, expected);
  const printed = formatSummary(logs, s);
  const examples = expected.context_type.examples.map((v) => `'${v}'`).join(', ');
  assert.ok(printed.includes(`unknown context_type                   ${expected.context_type.rows} rows (e.g. ${examples}): read as "other"\n`), printed);
  assert.ok(printed.includes(`unknown hist_user_behavior_reason_end  ${expected.hist_user_behavior_reason_end.rows} rows (e.g. 'zz_end'): read as "other"\n`), printed);
  assert.not.ok(printed.includes('hist_user_behavior_reason_start'), 'a clean column is not listed');
  writeFileSync(join(dir, 'clean.csv'), logFile([['a', 3]]));
  assert.match(formatSummary('clean.csv', await summarizeLogs(join(dir, 'clean.csv'))), /\nunknown categories\s+none\n/);
  // Two shards' partials: rows add, the examples stay the first three distinct values.
  const partial = await accumulateLogSummary(logs);
  const merged = mergeLogSummaries([partial, partial], false).unknownCategories;
  assert.is(merged.context_type.rows, 2 * expected.context_type.rows);
  assert.equal(merged.context_type.examples, expected.context_type.examples);
  assert.equal(merged.hist_user_behavior_reason_start, { rows: 0, examples: [] });
});

test.run();

// summarizeLogs, what `skiptrain inspect` prints (the command itself: test/e2e/commands/inspect.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary } from '../../../src/commands/inspect.ts';
import { summarizeLogs } from '../../../src/data/logSummary.ts';
import { EXCERPT, EXCERPT_PANDAS, excerptTest, LOG_HEADER, logLine, tempDir, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/unit/data/logSummary.test.ts');
import { TRACK_FEATURES } from '../../../src/data/columns.ts';

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

test.run();

// `skiptrain inspect` as a user runs it, on the real excerpt and on generated logs (summarizeLogs itself:
// test/unit/data/logSummary.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXCERPT, EXCERPT_PANDAS, excerptTest, logFile, madeUpCategories, tempDir } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/e2e/commands/inspect.test.ts');
const inspect = (...args: string[]) => spawnSync(process.execPath, ['bin/skiptrain.js', 'inspect', ...args], { encoding: 'utf8' });
const dir = tempDir();

/** The sessions count of the progress line's last report (stderr) and of the JSON (stdout). */
function progressAndJsonSessions(logs: string): [number, number] {
  const run = inspect('--logs', logs, '--json');
  assert.is(run.status, 0, run.stderr);
  const reports = [...run.stderr.matchAll(/: [\d,]+ rows, ([\d,]+) sessions, \d+ MB read/g)];
  assert.ok(reports.length > 0, run.stderr);
  return [Number(reports.at(-1)![1].replaceAll(',', '')), JSON.parse(run.stdout).sessions];
}

withExcerpt('CLI: inspect --json prints one JSON object with the summary', () => {
  const ok = inspect('--logs', EXCERPT_PANDAS, '--json');
  assert.is(ok.status, 0, ok.stderr);
  const s = JSON.parse(ok.stdout);
  assert.equal([s.files, s.rows, s.sessions, s.dates], [1, 201, 11, { '2018-07-14': 28, '2018-07-15': 173 }]);
  assert.equal([s.distinctTracks, s.unknownTracks], [175, null]);
  assert.ok(s.skip2Rate > 0 && s.skip2Rate < 1);
});

// The last report used to come before the end of the file closed its last session: 10 sessions there, 11 in the JSON.
withExcerpt('CLI: the progress line ends on the sessions the JSON counts (the real excerpt: 11)', () => {
  assert.equal(progressAndJsonSessions(EXCERPT), [11, 11]);
});

test('CLI: the progress line ends on the sessions the JSON counts (generated logs)', () => {
  const logs = join(dir, 'three.csv');
  writeFileSync(logs, logFile([['a', 3], ['b', 4], ['c', 5]]));
  assert.equal(progressAndJsonSessions(logs), [3, 3]);
});

test('CLI: made-up categorical values are counted per column in the table and in the JSON', () => {
  const { text, expected } = madeUpCategories(logFile([['a', 20], ['b', 20], ['c', 12]]));
  const logs = join(dir, 'made-up.csv');
  writeFileSync(logs, text);
  const table = inspect('--logs', logs);
  assert.is(table.status, 0, table.stderr);
  const examples = expected.context_type.examples.map((v) => `'${v}'`).join(', ');
  assert.match(table.stdout, `unknown context_type                   ${expected.context_type.rows} rows (e.g. ${examples}): read as "other"\n`);
  assert.match(table.stdout, `unknown hist_user_behavior_reason_end  ${expected.hist_user_behavior_reason_end.rows} rows (e.g. 'zz_end'): read as "other"\n`);
  const json = inspect('--logs', logs, '--json');
  assert.is(json.status, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).unknownCategories, expected);
});

test.run();

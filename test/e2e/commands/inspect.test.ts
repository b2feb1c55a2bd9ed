// `skiptrain inspect` as a user runs it, on the real excerpt (summarizeLogs itself: test/unit/data/logSummary.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { EXCERPT_PANDAS, excerptTest } from '../../helpers/dataFixtures.ts';

const withExcerpt = excerptTest(test, 'test/e2e/commands/inspect.test.ts');

withExcerpt('CLI: inspect --json prints one JSON object with the summary', () => {
  const ok = spawnSync(process.execPath, ['bin/skiptrain.js', 'inspect', '--logs', EXCERPT_PANDAS, '--json'], { encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  const s = JSON.parse(ok.stdout);
  assert.equal([s.files, s.rows, s.sessions, s.dates], [1, 201, 11, { '2018-07-14': 28, '2018-07-15': 173 }]);
  assert.equal([s.distinctTracks, s.unknownTracks], [175, null]);
  assert.ok(s.skip2Rate > 0 && s.skip2Rate < 1);
});

test.run();

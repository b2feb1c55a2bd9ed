// `npm run bench -- train --peers` without a Python that has the peers: one peer-missing row per peer and the
// command that installs them, instead of a stack trace (the rows of skiptrain's own backends still come first).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('peers that cannot run are named, with how to install them', () => {
  // tensorflow-gpu cannot be installed here, so the only backend asked for has no rows: the run is all peers.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', 'train', '--backend', 'tensorflow-gpu', '--json', '--peers', '--peers-python', '/nonexistent/python3'], {
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const missing = rows.filter((row) => row.step === 'peer-missing');
  assert.equal(missing.map((row) => row.peer), ['pytorch', 'tensorflow']);
  assert.ok(missing.every((row) => /\/nonexistent\/python3/.test(row.reason)), JSON.stringify(missing));
  assert.match(r.stderr, 'To install them: python3 -m venv v && v/bin/pip install torch tensorflow-cpu');
  assert.not.ok(rows.some((row) => row.step === 'ratio'));
});

test.run();

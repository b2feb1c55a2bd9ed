// `skiptrain synth` as a user runs it: the same archives as writeSynth (whose output is checked in
// test/unit/data/synth/writer.test.ts), one progress line, where it wrote, and a bad option as an error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynth } from '../../../src/data/synth/index.ts';

const root = await mkdtemp(join(tmpdir(), 'synth-cli-test-'));
const first = { out: join(root, 'a'), sessions: 120, days: 2, seed: 5, tracks: 300, filesPerDay: 2, testSet: true };
await writeSynth(first);

test('CLI: skiptrain synth writes the same archives as writeSynth, with one progress line and where it wrote', async () => {
  const out = join(root, 'cli');
  const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'synth', '--out', out, '--sessions', '120', '--days', '2', '--seed', '5', '--tracks', '300', '--files-per-day', '2', '--test-set'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /synth: (\d+)\/\1 sessions/);
  assert.is(r.stderr.match(/^synth:/gm)?.length, 1, r.stderr);
  assert.match(r.stdout, `wrote ${join(out, 'training_set.tar.gz')}`);
  for (const name of ['training_set.tar.gz', 'track_features.tar.gz']) {
    assert.ok((await readFile(join(out, name))).equals(await readFile(join(first.out, name))), `${name} is byte-identical`);
  }
  const bad = spawnSync(process.execPath, ['bin/skiptrain.js', 'synth', '--out', join(root, 'bad'), '--days', '0'], { encoding: 'utf8' });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^error: .*days/);
});

test.after(() => rm(root, { recursive: true, force: true }));

test.run();

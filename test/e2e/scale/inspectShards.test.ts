// inspect --shard: the partial summaries of N = 1, 2, 3 workers merge to the one-pass summary, exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accumulateLogSummary, mergeLogSummaries, summarizeLogs } from '../../../src/data/passes/logSummary.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { tempDir } from '../../helpers/dataFixtures.ts';

const root = tempDir();
const data = await writeSynth({ out: join(root, 'data'), sessions: 300, days: 2, seed: 8, tracks: 150, filesPerDay: 2 });

test('N = 1, 2, 3 inspect partials merge to the summary of one pass', async () => {
  const one = await summarizeLogs(data.logs, { tracks: data.tracks });
  for (const of of [1, 2, 3]) {
    const parts = [];
    for (let index = 0; index < of; index++) parts.push(await accumulateLogSummary(data.logs, { tracks: data.tracks, shard: { index, of } }));
    assert.equal(mergeLogSummaries(parts, true), one, `N=${of}`);
  }
});

test('CLI: inspect --shard i/2 --out DIR twice, then merge DIR prints and writes the one-pass summary', () => {
  const dir = join(root, 'parts');
  for (const i of [0, 1]) {
    const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'inspect', '--logs', data.logs, '--shard', `${i}/2`, '--out', dir], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
  }
  const merged = spawnSync(process.execPath, ['bin/skiptrain.js', 'merge', dir], { encoding: 'utf8' });
  assert.is(merged.status, 0, merged.stderr);
  const whole = spawnSync(process.execPath, ['bin/skiptrain.js', 'inspect', '--logs', data.logs, '--json'], { encoding: 'utf8' });
  assert.equal(JSON.parse(readFileSync(join(dir, 'inspect.json'), 'utf8')), JSON.parse(whole.stdout));
  assert.match(merged.stdout, /sessions\s+300/);
});

test.run();

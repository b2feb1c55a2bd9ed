// kill -9 while `skiptrain train` writes a checkpoint. The trainer checkpoints every 2 steps; the test polls the
// checkpoints folder about every millisecond and SIGKILLs the child the moment the .tmp-step-… folder of the target
// step appears (its two files, each written and fsynced, keep it there for tens of milliseconds) —
// three times, at three steps, in a fresh run and in runs resumed after a kill. Each kill must have landed mid-write:
// the temp folder is still there afterwards (a kill that came after the rename is not counted, and the next save is
// the target). After each: `latest` names the checkpoint before, complete and with CRCs that verify, and no warning;
// then `--resume` continues, and the run finishes with exactly the weights of an uninterrupted run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { configToYaml } from '../../../src/config/yaml.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { checkpointName, checkpointsDir, readCheckpoint, resolveCheckpoint } from '../../../src/train/checkpoint.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';
import { killWhenAppears, runCli } from '../../helpers/faults.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-kill-checkpoint-'));
const EVERY = 2;
const LAST = 22;
// A track embedding of 262,144 × 4 makes each checkpoint ~12 MB with Adam's moments, so that its temp folder lives for
// tens of milliseconds: with the tiny config's 64 rows it lived for about one, and a busy machine's poll could miss
// it entirely (the run then finished without a kill).
const overrides = { 'train.checkpointEvery': String(EVERY), 'train.maxSteps': String(LAST), 'train.keepLast': '3', 'model.trackBuckets': '262144' };
const config = tinyConfig(root, overrides);
const configFile = join(root, 'kill.yaml');
const experimentDir = join(config.checkpoints, config.experiment);
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

test.before(async () => {
  // The data the children train on, made once here rather than by the first child (while it is being polled).
  const s = config.data.synth;
  await writeSynth({ out: join(root, 'synth'), sessions: s.sessions, days: s.days, seed: s.seed, tracks: s.tracks, startDate: s.startDate });
  writeFileSync(configFile, configToYaml(config));
});

test.after(() => rmSync(root, { recursive: true, force: true }));

/** The temp folder of the checkpoint of `step` in any run of the experiment, once it exists. */
function tempFolderOf(step: number): string | undefined {
  const prefix = `.tmp-${checkpointName(step)}-`;
  for (const run of existsSync(experimentDir) ? readdirSync(experimentDir) : []) {
    const dir = checkpointsDir(join(experimentDir, run));
    const found = existsSync(dir) ? readdirSync(dir).find((name) => name.startsWith(prefix)) : undefined;
    if (found) return join(dir, found);
  }
  return undefined;
}

const stepOf = (checkpoint: string) => Number(basename(checkpoint).slice('step-'.length));

test('kill -9 mid-checkpoint at three steps: latest stays on a complete, verified checkpoint; --resume finishes exactly', async () => {
  let run = '';
  let complete = 0; // the last step whose checkpoint is complete
  const killedAt: number[] = [];
  // A kill can miss (the checkpoint was renamed into place between the poll and the kill): then the next save is the target.
  for (let attempt = 0; killedAt.length < 3; attempt++) {
    assert.ok(attempt < 8, `three kills mid-write in eight tries (hit ${killedAt.join(', ')})`);
    // The first kill in a fresh run after two complete checkpoints, the others two saves after where the resume starts.
    const target = complete + 3 * EVERY;
    const args = run ? ['train', '--resume', run] : ['train', '--config', configFile];
    const { path } = await killWhenAppears(args, () => tempFolderOf(target));
    run ||= join(experimentDir, readdirSync(experimentDir)[0]);
    const warnings: string[] = [];
    const latest = resolveCheckpoint(run, (line) => warnings.push(line));
    assert.equal(warnings, [], 'latest is intact');
    const checkpoint = await readCheckpoint(run, (line) => warnings.push(line)); // both CRCs checked
    assert.is(checkpoint.path, latest);
    if (existsSync(path)) {
      killedAt.push(target);
      assert.is(stepOf(latest), target - EVERY, 'latest names the checkpoint before the one being written');
    } else {
      assert.ok(stepOf(latest) >= target - EVERY, 'a missed kill: the checkpoint was complete');
    }
    complete = stepOf(latest);
  }

  const resumed = await runCli(['train', '--resume', run]);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, `resuming ${run} at step ${complete}`);
  assert.not.match(resumed.stderr, /warning/);
  const finished = await readCheckpoint(run);
  assert.is(finished.manifest.step, LAST);
  assert.equal(readdirSync(checkpointsDir(run)).filter((name) => name.startsWith('.tmp-')), [], 'the next save removed the temp folders');

  const uninterrupted = await readCheckpoint((await train({ config: tinyConfig(root, { ...overrides, checkpoints: join(root, 'uninterrupted') }), ...quiet })).runFolder);
  for (const [name, { values }] of uninterrupted.weights) assert.equal(finished.weights.get(name)!.values, values, name);
  console.log(`  (killed mid-write at steps ${killedAt.join(', ')})`);
});

test.run();

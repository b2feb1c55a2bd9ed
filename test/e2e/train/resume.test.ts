import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml } from '../../../src/config/yaml.ts';
import { UserError } from '../../../src/errors.ts';
import { checkpointsDir, listCheckpoints, loadCheckpoint, readCheckpoint } from '../../../src/train/checkpoint.ts';
import { runLockPath } from '../../../src/train/runLock.ts';
import { readScalars } from '../../../src/train/tensorboard/reader.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-resume-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

function cli(args: string[], onSpawn?: (kill: (signal: NodeJS.Signals) => void, pid: number) => void) {
  const child = spawn(process.execPath, ['bin/skiptrain.js', 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  onSpawn?.((signal) => child.kill(signal), child.pid!);
  return new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output })),
  );
}

/** Calls `then` as soon as a run under `experimentDir` has written its first checkpoint. */
function whenCheckpointed(experimentDir: string, then: () => void) {
  const poll = setInterval(() => {
    if (runFoldersIn(experimentDir).some((run) => existsSync(join(run, 'checkpoints', 'latest')))) {
      clearInterval(poll);
      then();
    }
  }, 5);
}

/** Calls `then` as soon as a run folder under `experimentDir` exists (config written, training about to start). */
function whenRunFolderExists(experimentDir: string, then: () => void) {
  const poll = setInterval(() => {
    if (runFoldersIn(experimentDir).some((run) => existsSync(join(run, 'stats.json')))) {
      clearInterval(poll);
      then();
    }
  }, 2);
}

const runFoldersIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []);

/** Trains under `name` uninterrupted (in this process) and again in a child SIGKILLed after its first checkpoint and
 * resumed; returns both checkpoints after asserting the weights and Adam state are bit-identical. */
async function killAndResume(name: string, overrides: Record<string, string> = {}) {
  await tf.setBackend('cpu'); // the children run on cpu (the config says so); other test files may have switched
  const reference = await train({ config: tinyConfig(root, { ...overrides, checkpoints: join(root, `${name}-reference`) }), ...quiet });
  assert.not.ok(reference.interrupted);
  assert.ok(reference.step > 12, `enough steps to be killed midway (${reference.step})`);

  const configFile = join(root, `${name}.yaml`);
  writeFileSync(configFile, configToYaml(tinyConfig(root, { ...overrides, checkpoints: join(root, name) })));
  const experimentDir = join(root, name, 'tiny');
  let killedPid = 0;
  const killed = await cli(['--config', configFile], (kill, pid) => {
    killedPid = pid;
    whenCheckpointed(experimentDir, () => kill('SIGKILL'));
  });
  assert.is(killed.signal, 'SIGKILL', `the child was killed, not finished:\n${killed.output}`);
  const [runFolder] = runFoldersIn(experimentDir);
  const partial = await readCheckpoint(runFolder);
  assert.ok(partial.manifest.step < reference.step);

  const resumed = await cli(['--resume', runFolder]);
  assert.is(resumed.code, 0, resumed.output);
  assert.match(resumed.output, `resuming ${runFolder}`);
  assert.match(resumed.output, `${runFolder}: took over the lock of pid ${killedPid}`, 'the killed process left its lock');
  assert.not.ok(existsSync(runLockPath(runFolder)));
  assert.match(resumed.output, 'tensorboard --logdir');

  const [a, b] = await Promise.all([readCheckpoint(reference.runFolder), readCheckpoint(runFolder)]);
  assert.is(b.manifest.step, a.manifest.step);
  assert.is(b.manifest.epoch, a.manifest.epoch);
  for (const [name, w] of a.weights) assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(b.weights.get(name)!.values.buffer)), `weight ${name} differs`);
  for (const [name, m] of a.optimizer.v) assert.ok(Buffer.from(m.buffer).equals(Buffer.from(b.optimizer.v.get(name)!.buffer)), `adam v ${name} differs`);
  return { runFolder, resumed, checkpoint: b, referenceRun: reference.runFolder };
}

/** The uninterrupted 1-thread run of the first test, the reference of the early-kill test. */
let referenceRun = '';

test('a run SIGKILLed after its first checkpoint and resumed ends with the same weights as an uninterrupted run', async () => {
  const { runFolder, checkpoint: b, referenceRun: reference } = await killAndResume('runs', { 'train.workers': '1' });
  referenceRun = reference;
  const loaded = await loadCheckpoint(runFolder);
  assert.is(loaded.step, b.manifest.step);
  assert.is(loaded.config.model.hidden, 8);
  assert.equal([...loaded.model.weights.keys()].sort(), [...b.weights.keys()].sort());
  for (const [name, v] of loaded.model.weights) assert.equal(Array.from(v.dataSync()), Array.from(b.weights.get(name)!.values), name);
  loaded.model.dispose();
  assert.ok(readdirSync(runFolder).filter((f) => f.startsWith('events.out.tfevents')).length >= 2, 'a new event file per session');
});

test('a run SIGKILLed before its first checkpoint resumes: it starts over in its folder and finishes the same', async () => {
  await tf.setBackend('cpu');
  const experimentDir = join(root, 'early', 'tiny');
  // No step-count checkpoint and no clock checkpoint: the first one would come at the end of epoch 1.
  const args = ['--config', join(root, 'runs.yaml'), '--checkpoints', join(root, 'early'), '--train.checkpointEvery', '0', '--train.checkpointMinutes', '0'];
  const killed = await cli(args, (kill) => whenRunFolderExists(experimentDir, () => kill('SIGKILL')));
  assert.is(killed.signal, 'SIGKILL', killed.output);
  const [runFolder] = runFoldersIn(experimentDir);
  assert.equal(listCheckpoints(checkpointsDir(runFolder)), [], 'killed before any checkpoint');

  const resumed = await cli(['--resume', runFolder]);
  assert.is(resumed.code, 0, resumed.output);
  assert.match(resumed.output, `no checkpoint in ${runFolder}: the run stopped before its first one; starting it over in the same folder`);
  assert.is(resumed.output.match(/^backend:/gm)?.length, 1, `one backend line:\n${resumed.output}`);
  const finished = await readCheckpoint(runFolder);
  assert.is(finished.manifest.epoch, 3);
  const reference = await readCheckpoint(referenceRun);
  assert.is(finished.manifest.step, reference.manifest.step);
  for (const [name, w] of reference.weights) {
    assert.ok(Buffer.from(w.values.buffer).equals(Buffer.from(finished.weights.get(name)!.values.buffer)), `weight ${name} differs`);
  }
});

test('train.checkpointMinutes saves by wall clock between step-count checkpoints', async () => {
  const config = tinyConfig(root, {
    checkpoints: join(root, 'clock'),
    'train.epochs': '1',
    'train.checkpointEvery': '0',
    'train.checkpointMinutes': '0.000001',
    'train.keepLast': '1000',
  });
  const result = await train({ config, ...quiet });
  const steps = listCheckpoints(checkpointsDir(result.runFolder)).map((c) => c.step);
  assert.ok(steps.length >= result.step - 1, `a checkpoint after (nearly) every step: ${steps.join(', ')} of ${result.step}`);
});

test('after a resume, val/* is written once per step, also at the last step', async () => {
  const config = tinyConfig(root, { checkpoints: join(root, 'once'), 'train.epochs': '2', 'train.maxSteps': '10', 'train.validateEvery': '5' });
  const first = await train({ config, ...quiet });
  await train({ config, resume: first.runFolder, ...quiet }); // nothing left to train: must not validate again
  const points = (await readScalars(first.runFolder)).get('val/loss') ?? [];
  const steps = points.map((p) => p.step);
  assert.equal(steps, [...new Set(steps)], `one val/loss per step: ${steps.join(', ')}`);
  assert.ok(steps.includes(10));
});

test('the same with 2 gradient threads: killed and resumed ends bit-identical to an uninterrupted 2-thread run', async () => {
  // One epoch (~19 steps, first checkpoint at step 4) keeps it short; the 1-thread test above covers epoch boundaries.
  const { resumed } = await killAndResume('two-threads', { 'train.workers': '2', 'train.epochs': '1' });
  assert.match(resumed.output, 'training on 2 gradient threads');
});

test('a Transformer run killed after its first checkpoint and resumed ends bit-identical too', async () => {
  const { resumed } = await killAndResume('transformer', { 'model.type': 'transformer', 'model.heads': '2', 'model.ff': '16', 'train.workers': '1', 'train.epochs': '1' });
  assert.match(resumed.output, 'resuming');
});

test('resuming with a different model is a clear error', async () => {
  const [runFolder] = runFoldersIn(join(root, 'runs', 'tiny'));
  assert.ok(runFolder);
  const err = await train({ config: tinyConfig(root, { 'model.hidden': '16' }), resume: runFolder, ...quiet }).catch((e) => e);
  assert.instance(err, UserError);
  assert.match(err.message, /model\.hidden is 16 but the checkpoint has 8/);
  assert.match(err.message, runFolder);
});

test('Ctrl-C saves a checkpoint, says where, and exits with 130', async () => {
  const experimentDir = join(root, 'interrupted', 'tiny');
  const args = ['--config', join(root, 'runs.yaml'), '--checkpoints', join(root, 'interrupted')];
  const stopped = await cli(args, (kill) => whenCheckpointed(experimentDir, () => kill('SIGINT')));
  assert.is(stopped.code, 130, stopped.output);
  const [runFolder] = runFoldersIn(experimentDir);
  const saved = await readCheckpoint(runFolder);
  assert.match(stopped.output, `checkpoint saved to ${saved.path}`);
  assert.match(stopped.output, `--resume ${runFolder}`);
  assert.ok(saved.manifest.step > 0 && saved.manifest.epoch < 3);
  assert.not.ok(existsSync(runLockPath(runFolder)), 'the lock is released');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

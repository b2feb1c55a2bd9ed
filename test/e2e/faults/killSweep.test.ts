// kill -9 of a sweep and of the trial it is training, at the same moment, mid-rung: `sweep --resume` continues from
// sweep.json and the trial's checkpoints (the dead trial's lock is taken over) and ends with exactly the trials, rungs
// and metrics of a sweep that was never killed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SweepState } from '../../../src/train/sweep/state.ts';
import { writeTinySweepBase } from '../../helpers/tinySweep.ts';

const BIN = resolve('bin/skiptrain.js');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-kill-sweep-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

const sweep = (name: string) => `name: ${name}
base: ${join(root, 'base.yaml')}
trials: 2
seed: 3
budget: {steps: 12}
halving: {eta: 2, rungs: 2}
space:
  train.lr: {loguniform: [0.001, 0.02]}
`;
const readState = (name: string) => JSON.parse(readFileSync(join(root, 'runs', name, 'sweep.json'), 'utf8')) as SweepState;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'sweep', ...args], { encoding: 'utf8', env, cwd: root });

test.before(async () => {
  await writeTinySweepBase(root, { sessions: 300, seed: 6 });
  for (const name of ['never', 'killed']) writeFileSync(join(root, `${name}.yaml`), sweep(name));
});

test('kill -9 of the sweep and its trial mid-rung, then --resume: the same trials, rungs and metrics', async () => {
  const never = run(join(root, 'never.yaml'));
  assert.is(never.status, 0, never.stderr);

  const child = spawn(process.execPath, [BIN, 'sweep', join(root, 'killed.yaml'), '--parallel', '1'], { env, cwd: root, stdio: 'ignore' });
  const trial = join(root, 'runs', 'killed', 'trial-001');
  // The second trial of the first rung, once it has a checkpoint: the first trial's rung is in sweep.json by then.
  let trainer: number | undefined;
  for (let i = 0; i < 3000 && trainer === undefined; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const checkpoints = join(trial, 'checkpoints');
    if (!existsSync(checkpoints) || !readdirSync(checkpoints).some((n) => n.startsWith('step-'))) continue;
    try {
      trainer = (JSON.parse(readFileSync(join(trial, 'train.lock'), 'utf8')) as { pid: number }).pid;
    } catch {
      // the lock is written as the run starts; a checkpoint without one means the trial already ended
      break;
    }
  }
  assert.ok(trainer, 'caught the trial training');
  child.kill('SIGKILL');
  process.kill(trainer!, 'SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const left = readState('killed');
  assert.is(left.status, 'running');
  assert.is(left.trials[0].rung, 0, 'the first trial finished its rung before the kill');
  assert.is(left.trials[1].rung, -1);

  const resumed = run('--resume', join(root, 'runs', 'killed'));
  assert.is(resumed.status, 0, resumed.stderr);
  const a = readState('never');
  const b = readState('killed');
  assert.is(b.status, 'done');
  assert.equal(b.trials.map((t) => [t.values, t.status, t.rung, t.step, t.rungMetrics]), a.trials.map((t) => [t.values, t.status, t.rung, t.step, t.rungMetrics]));
});

test.run();

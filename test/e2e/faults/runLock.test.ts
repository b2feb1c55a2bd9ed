// Two `skiptrain train` processes on one run folder (the lock: src/train/runLock.ts). While one trains, a second
// `train --resume` of the same folder is refused with one line naming the holder; Ctrl-C releases the lock; a lock
// left by a process that is gone is taken over with a message. (The lock's rules in-process: test/unit/train/runLock.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLockPath, type LockHolder } from '../../../src/train/runLock.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-run-lock-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };

function start(args: string[]) {
  const child = spawn(process.execPath, ['bin/skiptrain.js', 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, done };
}

function holderOf(run: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(runLockPath(run), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; !condition(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

/** A finished one-epoch run to resume (made in-process: it also generates the synthetic data). */
const runFolder = (await train({ config: tinyConfig(root, { 'train.epochs': '1' }), ...quiet })).runFolder;

test('a second train --resume of a folder in use is refused, naming the holder; Ctrl-C releases the lock', async () => {
  const first = start(['--resume', runFolder, '--train.epochs', '1000']);
  try {
    await until(() => holderOf(runFolder)?.pid === first.child.pid, 'the first process holds the lock');
    const holder = holderOf(runFolder)!;
    const second = await start(['--resume', runFolder]).done;
    assert.is(second.code, 1, second.stderr);
    assert.equal(
      second.stderr.split('\n').filter((line) => line.startsWith('error:')),
      [
        `error: ${runFolder} is in use by another training process: pid ${first.child.pid} on host ${hostname()} (since ${holder.started}); ` +
          `wait for it to end or stop it (lock file ${runLockPath(runFolder)})`,
      ],
    );
    assert.not.match(second.stderr, /resuming/, 'the second one did not start');
  } finally {
    first.child.kill('SIGINT');
  }
  const stopped = await first.done;
  assert.is(stopped.code, 130, stopped.stderr);
  assert.not.ok(existsSync(runLockPath(runFolder)), 'Ctrl-C released the lock');
});

test('a lock left by a process that is gone is taken over, with a message', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(runLockPath(runFolder), `${JSON.stringify({ pid: dead, hostname: hostname(), started: '2026-01-15T09:30:12.000Z' })}\n`);
  // Already past this one epoch: the resumed run ends at once.
  const resumed = await start(['--resume', runFolder, '--train.epochs', '1']).done;
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, `${runFolder}: took over the lock of pid ${dead} (since 2026-01-15T09:30:12.000Z), which is no longer running`);
  assert.not.ok(existsSync(runLockPath(runFolder)));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

// One process per run folder (src/train/runLock.ts): the lock file's content, a second holder refused naming the
// first, a dead holder's lock taken over with a message, another host's lock refused with how to remove it, and the
// lock released by release() and by process.exit (a second Ctrl-C) — but never someone else's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/errors.ts';
import { RUN_LOCK_NAME, runLockPath, takeRunLock, type LockHolder } from '../../../src/train/runLock.ts';

const freshRun = () => mkdtempSync(join(tmpdir(), 'skiptrain-lock-'));
const quiet = () => {};

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeLock(run: string, holder: LockHolder): void {
  writeFileSync(runLockPath(run), `${JSON.stringify(holder)}\n`);
}

function refusal(run: string): UserError {
  try {
    takeRunLock(run, quiet);
  } catch (e) {
    assert.instance(e, UserError);
    return e as UserError;
  }
  assert.unreachable('the lock was taken');
  throw new Error('unreachable');
}

test('the lock file holds pid, hostname and start time; release removes it', () => {
  const run = freshRun();
  const before = Date.now();
  const lock = takeRunLock(run, quiet);
  const holder = JSON.parse(readFileSync(join(run, RUN_LOCK_NAME), 'utf8')) as LockHolder;
  assert.is(holder.pid, process.pid);
  assert.is(holder.hostname, hostname());
  assert.ok(Date.parse(holder.started) >= before - 1000 && Date.parse(holder.started) <= Date.now());
  lock.release();
  assert.equal(readdirSync(run), []);
  lock.release(); // twice is harmless
});

test('a second process is refused, naming the holder: pid, host, since when', () => {
  const run = freshRun();
  const started = '2026-01-15T09:30:12.000Z';
  writeLock(run, { pid: process.pid, hostname: hostname(), started }); // a live pid: this one
  const e = refusal(run);
  assert.is(
    e.message,
    `${run} is in use by another training process: pid ${process.pid} on host ${hostname()} (since ${started}); wait for it to end or stop it (lock file ${runLockPath(run)})`,
  );
  assert.ok(existsSync(runLockPath(run)), 'the holder keeps its lock');
  const other = freshRun();
  const held = takeRunLock(other, quiet);
  assert.match(refusal(other).message, `in use by another training process: pid ${process.pid} on host ${hostname()}`);
  held.release();
});

test('a lock whose process is gone (same host) is taken over, with a message', () => {
  const run = freshRun();
  const pid = deadPid();
  writeLock(run, { pid, hostname: hostname(), started: '2026-01-15T09:30:12.000Z' });
  const said: string[] = [];
  const lock = takeRunLock(run, (s) => said.push(s));
  assert.equal(said, [`${run}: took over the lock of pid ${pid} (since 2026-01-15T09:30:12.000Z), which is no longer running`]);
  assert.is((JSON.parse(readFileSync(runLockPath(run), 'utf8')) as LockHolder).pid, process.pid);
  assert.equal(readdirSync(run), [RUN_LOCK_NAME], 'nothing left from the takeover');
  lock.release();
  assert.equal(readdirSync(run), []);
});

test("another host's lock cannot be checked: refused, saying how to remove it", () => {
  const run = freshRun();
  writeLock(run, { pid: deadPid(), hostname: 'gpu-node-7', started: '2026-01-15T09:30:12.000Z' });
  const e = refusal(run);
  assert.match(e.message, `${run} is locked by pid `);
  assert.match(e.message, 'on host gpu-node-7 (since 2026-01-15T09:30:12.000Z)');
  assert.match(e.message, `this host cannot tell whether it still runs: if it does not, remove ${runLockPath(run)} and run again`);
  assert.ok(existsSync(runLockPath(run)));
});

test('an unreadable lock file is refused, saying how to remove it', () => {
  const run = freshRun();
  writeFileSync(runLockPath(run), 'not json');
  assert.is(refusal(run).message, `${runLockPath(run)}: unreadable lock file; if no training process uses ${run}, remove it and run again`);
});

test("release leaves alone a lock that is no longer its own (removed by hand, taken by another)", () => {
  const run = freshRun();
  const lock = takeRunLock(run, quiet);
  unlinkSync(lock.path);
  const other: LockHolder = { pid: 12345, hostname: 'elsewhere', started: '2026-01-15T09:30:12.000Z' };
  writeLock(run, other);
  lock.release();
  assert.equal(JSON.parse(readFileSync(runLockPath(run), 'utf8')), other);
});

test('process.exit releases the lock (a second Ctrl-C exits without unwinding)', () => {
  const run = freshRun();
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "import { takeRunLock } from './src/train/runLock.ts'; takeRunLock(process.argv[1], () => {}); process.exit(130);", run],
    { encoding: 'utf8' },
  );
  assert.is(child.status, 130, child.stderr);
  assert.equal(readdirSync(run), []);
});

test.run();

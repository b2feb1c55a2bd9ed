// One training process per run folder. `train` and `train --resume` hold <run>/train.lock — one line of JSON:
// {"pid":…,"hostname":…,"started":…} — while they write checkpoints and event files, so a second process started
// on the same folder is refused instead of interleaving its checkpoints with the first one's. The lock is created
// with open(…, 'wx'): of two processes racing for it, exactly one creates it. A lock whose process is gone (killed,
// the machine restarted) is taken over when this host can tell — same hostname, no such pid; another host's lock
// cannot be checked from here, so only the user removes it.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { isProcessRunning } from '../util/processes.ts';

export const RUN_LOCK_NAME = 'train.lock';

export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the holder took the lock. */
  started: string;
}

export const runLockPath = (runFolder: string) => join(runFolder, RUN_LOCK_NAME);

/** A held lock: released by release(), or when the process exits (a second Ctrl-C exits without unwinding). */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    process.on('exit', this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    try {
      // Only our own: if the user removed it by hand meanwhile, the lock there now is another process's.
      if (sameHolder(readHolder(this.path), this.holder)) unlinkSync(this.path);
    } catch {
      // The folder is unreachable (gone, a failed disk): the lock left there is stale and the next run takes it over.
    }
  }
}

/** Takes the lock of `runFolder`, or throws a UserError naming the process that holds it. */
export function takeRunLock(runFolder: string, log: (s: string) => void): RunLock {
  const path = runLockPath(runFolder);
  const me: LockHolder = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLock(path, me)) {
      if (tookOver) log(`${runFolder}: took over the lock of pid ${tookOver.pid} (since ${tookOver.started}), which is no longer running`);
      return new RunLock(path, me);
    }
    const holder = readHolderPatiently(path);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') {
      throw new UserError(`${path}: unreadable lock file; if no training process uses ${runFolder}, remove it and run again`);
    }
    const who = `pid ${holder.pid} on host ${holder.hostname} (since ${holder.started})`;
    if (holder.hostname !== me.hostname) {
      throw new UserError(`${runFolder} is locked by ${who}; this host cannot tell whether it still runs: if it does not, remove ${path} and run again`);
    }
    if (isProcessRunning(holder.pid)) {
      throw new UserError(`${runFolder} is in use by another training process: ${who}; wait for it to end or stop it (lock file ${path})`);
    }
    if (removeStaleLock(path, holder)) tookOver = holder;
  }
  throw new UserError(`${path}: other processes keep taking this lock; run again`);
}

/** Creates the lock file with our holder line; false when it exists. */
function createLock(path: string, me: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  closeSync(fd);
  return true;
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.hostname === 'string' && typeof h.started === 'string' ? h : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** An empty lock may be one being written this very moment (between its open and its write): look again shortly. */
function readHolderPatiently(path: string): ReturnType<typeof readHolder> {
  for (let attempt = 0; ; attempt++) {
    const holder = readHolder(path);
    if (holder !== 'unreadable' || attempt === 10) return holder;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function sameHolder(a: ReturnType<typeof readHolder>, b: LockHolder): boolean {
  return typeof a === 'object' && a.pid === b.pid && a.hostname === b.hostname && a.started === b.started;
}

/**
 * Removes the lock judged stale — only if it is still that one: two processes taking over at once would otherwise
 * each delete the other's fresh lock. It is moved aside and checked; a fresh lock moved by mistake is put back
 * (link fails when a third process holds the name by then).
 */
function removeStaleLock(path: string, stale: LockHolder): boolean {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  const moved = readHolder(aside);
  if (!sameHolder(moved, stale)) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds the name again: that lock stands.
    }
  }
  unlinkSync(aside);
  return sameHolder(moved, stale);
}

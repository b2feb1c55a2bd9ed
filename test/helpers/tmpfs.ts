// Tiny tmpfs mounts for tests of a full or read-only disk. Mounting needs root and a kernel that lets this process
// mount (not most containers without CAP_SYS_ADMIN, nor macOS): where it cannot, those tests are skipped with a notice.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Callback, Test } from 'uvu';

export interface Tmpfs {
  dir: string;
  /** New mount options, e.g. `size=64m` to free space, `ro` to make it read-only. */
  remount(options: string): void;
  unmount(): void;
}

function run(command: string, args: string[]): string | null {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? null : `${command} ${args.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`}`;
}

function must(problem: string | null): void {
  if (problem) throw new Error(problem);
}

/** Mounts a tmpfs with `options` (e.g. `size=4m`) on a new temp folder. */
export function mountTmpfs(options: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'skiptrain-tmpfs-'));
  must(run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]));
  return {
    dir,
    remount: (o) => must(run('mount', ['-o', `remount,${o}`, dir])),
    unmount: () => {
      must(run('umount', [dir]));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Why no tmpfs can be mounted here, or null when one can. */
function tmpfsMissing(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'skiptrain-tmpfs-probe-'));
  try {
    return run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]) ?? run('umount', [dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `test` where a tmpfs can be mounted, else `test.skip` after printing once which file's tests are skipped and why. */
export function tmpfsTest(test: Test, file: string): (name: string, body: Callback) => void {
  const missing = tmpfsMissing();
  if (!missing) return test;
  console.log(`notice: ${file}: full-disk tests skipped (cannot mount a tmpfs here: ${missing})`);
  return (name) => test.skip(name);
}

/** Fills the file system of `dir` to the last byte with one file, whose path is returned: remove it to free the space. */
export function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (let chunk = 1 << 20; chunk >= 1; ) {
      try {
        writeSync(fd, Buffer.alloc(chunk));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        chunk >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

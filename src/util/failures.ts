// Failures as the user reads them: one line each, which src/cli.ts prints as `error: <line>` before exiting 1.
// User errors read as they are; Node's I/O errors (a full disk, a vanished file) are worded here, the only place that
// knows their codes, with the path and what failed; callers that know what a failure left add it as a note.
// Anything else is a bug, and keeps its stack trace.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { isUserFacing } from '../errors.ts';

/** What each I/O error code means for the user; codes not listed get the system's own description. */
export const IO_ERROR_MEANINGS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files in this process (raise the limit: ulimit -n)',
  ENFILE: 'too many open files on this system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  EIO: 'input/output error (a failing disk or a lost network mount)',
};

/** The failed system call, as what the program was doing to the path. */
const ACTIONS: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  stat: 'read',
  lstat: 'read',
  fstat: 'read',
  access: 'read',
  scandir: 'list',
  opendir: 'list',
  write: 'write',
  writev: 'write',
  fsync: 'write',
  fdatasync: 'write',
  ftruncate: 'write',
  close: 'write',
  copyfile: 'write',
  mkdir: 'create',
  link: 'create',
  symlink: 'create',
  rename: 'move',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
};

/** Node's error from a system call (ENOSPC, EACCES, …): it has a code and names the call that failed. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { dest?: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** The error's code. libuv has no name for some (EDQUOT: Node says UNKNOWN), so its number is looked up in the OS's table. */
function codeOf(e: NodeJS.ErrnoException): string {
  if (e.code !== 'UNKNOWN' || e.errno === undefined) return e.code!;
  return Object.entries(constants.errno).find(([, n]) => n === -e.errno!)?.[0] ?? e.code;
}

function meaning(e: NodeJS.ErrnoException): string {
  const code = codeOf(e);
  const text = IO_ERROR_MEANINGS[code] ?? (e.errno !== undefined ? getSystemErrorMap().get(e.errno)?.[1] : undefined) ?? 'failed';
  return `${text} (${code})`;
}

/** One line for Node's I/O error: "cannot write /run/x: no space left on device (ENOSPC)". */
function ioErrorMessage(e: NodeJS.ErrnoException & { dest?: string }): string {
  const action = ACTIONS[e.syscall ?? ''] ?? 'access';
  const target = e.path === undefined ? '' : ` ${e.path}${e.dest === undefined ? '' : ` to ${e.dest}`}`;
  return `cannot ${action}${target}: ${meaning(e)}`;
}

/**
 * A system error while writing or reading `path`, the file the user knows: errors of file handles name no path,
 * and a temp file's name means nothing once it is gone.
 */
export class FileError extends Error {
  declare readonly cause: NodeJS.ErrnoException;

  constructor(
    readonly action: 'write' | 'read',
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot ${action} ${path}: ${meaning(cause)}`, { cause });
    this.name = 'FileError';
  }
}

/** `e` as a FileError about `path` when it is a system error; anything else (a bug, an error naming its file already) as it is. */
export function fileError(e: unknown, action: FileError['action'], path: string): unknown {
  return isSystemError(e) ? new FileError(action, path, e) : e;
}

/** A failure plus what its caller knows it left ("the last complete checkpoint is step 40"). Made by withNote. */
export class ErrorWithNote extends Error {
  constructor(
    cause: unknown,
    readonly note: string,
  ) {
    super(`${failureMessage(cause)}; ${note}`, { cause });
    this.name = 'ErrorWithNote';
  }
}

/** `e` with `note` on what the failure left, when it is a failure the user is shown; a bug as it is. */
export function withNote(e: unknown, note: string): unknown {
  return failureMessage(e) === undefined ? e : new ErrorWithNote(e, note);
}

/** The line to show for `e`, or undefined when it is a bug (which should surface with its stack trace). */
export function failureMessage(e: unknown): string | undefined {
  if (e instanceof FileError || e instanceof ErrorWithNote || isUserFacing(e)) return e.message;
  if (isSystemError(e)) return ioErrorMessage(e);
  return undefined;
}

// How failures reach the user (src/util/failures.ts, the one mapping src/cli.ts prints): each I/O error code as
// its line, the path and what failed, FileError naming the file the user knows, notes on what a failure left, an I/O
// error from a worker thread, and bugs left as bugs (no line: they keep their stack trace).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError, UserError } from '../../../src/errors.ts';
import { ErrorWithNote, FileError, failureMessage, fileError, withNote } from '../../../src/util/failures.ts';
import { reviveError, threadError } from '../../../src/util/threads.ts';
import { systemError } from '../../helpers/systemError.ts';

test('each I/O error code of a write becomes its line, naming the path', () => {
  const path = '/runs/lstm/20260115-093012/stats.json';
  const expected: Record<string, string> = {
    ENOSPC: 'no space left on device (ENOSPC)',
    EDQUOT: 'disk quota exceeded (EDQUOT)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'operation not permitted (EPERM)',
    EROFS: 'read-only file system (EROFS)',
    EMFILE: 'too many open files in this process (raise the limit: ulimit -n) (EMFILE)',
    ENFILE: 'too many open files on this system (ENFILE)',
    ENOENT: 'no such file or directory (ENOENT)',
    ENOTDIR: 'a part of the path is not a folder (ENOTDIR)',
    EISDIR: 'it is a folder (EISDIR)',
    EEXIST: 'it already exists (EEXIST)',
    EIO: 'input/output error (a failing disk or a lost network mount) (EIO)',
  };
  for (const [code, meaning] of Object.entries(expected)) {
    assert.is(failureMessage(systemError(code, 'open', path)), `cannot open ${path}: ${meaning}`, code);
  }
});

test('EDQUOT, which Node reports as UNKNOWN, is named by its number', () => {
  const e = systemError('EDQUOT', 'write');
  assert.is(e.code, 'UNKNOWN', 'as Node raises it');
  assert.is(failureMessage(e), 'cannot write: disk quota exceeded (EDQUOT)');
});

test('a code without a wording of its own gets the system description', () => {
  assert.is(failureMessage(systemError('EBUSY', 'rmdir', '/mnt/x')), 'cannot remove /mnt/x: resource busy or locked (EBUSY)');
});

test('the failed call says what was being done; a rename names both paths; an error without a path still reads', () => {
  assert.is(failureMessage(systemError('ENOSPC', 'write')), 'cannot write: no space left on device (ENOSPC)');
  assert.is(failureMessage(systemError('EACCES', 'mkdir', '/data/out')), 'cannot create /data/out: permission denied (EACCES)');
  assert.is(failureMessage(systemError('ENOENT', 'scandir', '/data/logs')), 'cannot list /data/logs: no such file or directory (ENOENT)');
  assert.is(failureMessage(systemError('EROFS', 'unlink', '/ro/x')), 'cannot remove /ro/x: read-only file system (EROFS)');
  const rename = Object.assign(systemError('EXDEV', 'rename', '/a/x.tmp'), { dest: '/b/x' });
  assert.is(failureMessage(rename), 'cannot move /a/x.tmp to /b/x: cross-device link not permitted (EXDEV)');
});

test('a real error from fs reads the same way', () => {
  let thrown: unknown;
  try {
    openSync(join('/nonexistent-skiptrain', 'a.csv'), 'r');
  } catch (e) {
    thrown = e;
  }
  assert.is(failureMessage(thrown), 'cannot open /nonexistent-skiptrain/a.csv: no such file or directory (ENOENT)');
});

test('an I/O error carried back from a worker thread reads as it did there', () => {
  const e = systemError('ENOENT', 'open', '/data/training_set.tar.gz');
  const posted = structuredClone(threadError(e));
  assert.is(failureMessage(reviveError(posted)), 'cannot open /data/training_set.tar.gz: no such file or directory (ENOENT)');
  assert.is(failureMessage(reviveError(structuredClone(threadError(new TypeError('bug'))))), undefined, 'a bug stays a bug');
});

test('FileError names the file the user knows, whatever path the failed call had', () => {
  const e = fileError(systemError('ENOSPC', 'write'), 'write', '/runs/r/checkpoints/step-00000060');
  assert.instance(e, FileError);
  assert.is(failureMessage(e), 'cannot write /runs/r/checkpoints/step-00000060: no space left on device (ENOSPC)');
  const temp = fileError(systemError('EACCES', 'open', '/out/.report.html.123.tmp'), 'write', '/out/report.html');
  assert.is(failureMessage(temp), 'cannot write /out/report.html: permission denied (EACCES)');
  const bug = new TypeError('x is undefined');
  assert.is(fileError(bug, 'write', '/x'), bug, 'a bug is not an I/O failure');
});

test('notes on what a failure left follow its line, innermost first', () => {
  const full = fileError(systemError('ENOSPC', 'write'), 'write', '/r/checkpoints/step-00000060');
  const noted = withNote(withNote(full, 'the previous file, if any, is unchanged'), 'the last complete checkpoint is step 40');
  assert.instance(noted, ErrorWithNote);
  assert.is(
    failureMessage(noted),
    'cannot write /r/checkpoints/step-00000060: no space left on device (ENOSPC); the previous file, if any, is unchanged; the last complete checkpoint is step 40',
  );
  assert.is((noted as Error).message, failureMessage(noted), 'the message reads the same in a test or a log');
  assert.is(failureMessage(withNote(new DataError('bad date', 'log.csv:3'), 'nothing was exported')), 'log.csv:3: bad date; nothing was exported');
});

test('user errors pass as they are; bugs get no line, and no note', () => {
  assert.is(failureMessage(new UserError('--resume needs a run folder')), '--resume needs a run folder');
  assert.is(failureMessage(new ConfigError('must be > 0', 'model.hidden')), "config key 'model.hidden': must be > 0");
  const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
  assert.is(failureMessage(bug), undefined);
  assert.is(withNote(bug, 'the last complete checkpoint is step 40'), bug);
  assert.is(failureMessage(Object.assign(new Error('not a system error'), { code: 'ERR_INVALID_ARG_TYPE' })), undefined);
  assert.is(failureMessage('a string'), undefined);
});

test.run();

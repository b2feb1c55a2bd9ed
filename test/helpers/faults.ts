// Tools of the fault-injection suite (test/e2e/faults/): the command line in a child process, killed with SIGKILL
// the moment a file it writes appears, and bytes changed on disk as a failing disk or a bad copy would change them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as assert from 'uvu/assert';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `skiptrain ARGS` in a child process; `done` settles when it has exited and its output is read. */
export function startCli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['bin/skiptrain.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export const runCli = (args: string[]) => startCli(args).done;

/** The `error:` lines of a command's output. */
export const errorLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('error:'));

/** Asserts the command failed with one `error:` line, exit code 1 and no stack trace; returns that line. */
export function oneErrorLine(r: CliResult): string {
  assert.is(r.code, 1, r.stderr);
  const errors = errorLines(r);
  assert.is(errors.length, 1, r.stderr);
  assert.not.match(r.stderr, /^\s+at /m, 'no stack trace');
  return errors[0];
}

/**
 * Starts `skiptrain ARGS` and polls about every millisecond with `find`; the moment it returns a path (a temp file
 * the command is writing), the child is killed with SIGKILL. Returns that path once the child is gone, or fails the
 * test when the child exits by itself or nothing appears within `timeoutMs`.
 */
export async function killWhenAppears(args: string[], find: () => string | undefined, timeoutMs = 60_000): Promise<{ path: string; result: CliResult }> {
  const { child, done } = startCli(args);
  let exited = false;
  void done.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  let path: string | undefined;
  while (!(path = find())) {
    if (exited) assert.unreachable(`skiptrain ${args.join(' ')} ended before the file appeared:\n${(await done).stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.unreachable(`nothing appeared within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  child.kill('SIGKILL');
  const result = await done;
  assert.is(result.signal, 'SIGKILL', `the child ended by itself before the kill landed:\n${result.stderr}`);
  return { path, result };
}

/** Flips the bits `mask` (default all eight) of one byte of a file: the byte at `at`, default the middle one. */
export function flipByte(path: string, at?: number, mask = 0xff): void {
  const bytes = readFileSync(path);
  bytes[at ?? bytes.length >> 1] ^= mask;
  writeFileSync(path, bytes);
}

/** Replaces the first `from` in a text file by `to` (of the same length: a changed byte, not an edit). */
export function changeText(path: string, from: string, to: string): void {
  assert.is(to.length, from.length);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${path} holds ${from}`);
  writeFileSync(path, text.replace(from, to));
}

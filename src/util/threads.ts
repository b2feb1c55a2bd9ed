// Worker threads (compiled modules, or the .ts sources through tsx), and errors carried back from them with their
// class and message intact.
import { Worker } from 'node:worker_threads';
import { DataError, UserError } from '../errors.ts';
import { isSystemError } from './failures.ts';

/** The module `name` beside `caller` (its import.meta.url), with the caller's own extension: .ts in the sources, .js in dist/. */
export function siblingModule(caller: string, name: string): URL {
  return new URL(`./${name}${caller.endsWith('.ts') ? '.ts' : '.js'}`, caller);
}

/**
 * A worker running `module`: compiled JavaScript as it is; a .ts module (the sources, in a checkout) through tsx.
 * Node 20 does not apply tsx's hooks to a worker's entry file (whether the program used --import tsx or
 * bin/skiptrain.js's register()), so such a worker starts from a tiny script that registers tsx through its API and
 * then imports the module; both are absolute URLs, so any working directory works.
 */
export function startWorker(module: URL, workerData: unknown = null): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** What a worker posts for an error it caught. */
export interface ThreadError {
  name?: string;
  message: string;
  where?: string;
  stack?: string;
  /** A system error's fields (a vanished file, a full disk), so the trainer's thread words it as its own. */
  system?: { code?: string; errno?: number; syscall?: string; path?: string };
}

/** The error a worker caught, as it posts it. */
export function threadError(e: unknown): ThreadError {
  const err = e as NodeJS.ErrnoException & { where?: string };
  const system = isSystemError(e) ? { code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } : undefined;
  return { name: err?.name, message: err?.message ?? String(e), where: err?.where, stack: err?.stack, system };
}

/** The worker's error as the same class and message it had there (DataError keeps its file:line prefix). */
export function reviveError(m: ThreadError): Error {
  let e: Error;
  if (m.name === 'DataError' || m.name === 'StreamError') {
    e = new DataError(m.message);
    if (m.where !== undefined) Object.defineProperty(e, 'where', { value: m.where });
  } else if (m.name === 'UserError') {
    e = new UserError(m.message);
  } else if (m.system) {
    e = Object.assign(new Error(m.message), m.system);
  } else {
    e = new Error(`worker thread failed: ${m.message}`);
    e.stack = m.stack;
  }
  return e;
}

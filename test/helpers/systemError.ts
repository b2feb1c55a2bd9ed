// Node's system errors as its fs calls raise them (code, errno, syscall, path), for tests of how failures are worded
// and of writers driven into a failing file system.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/** The error Node raises for `code` in `syscall`; EDQUOT, which libuv cannot name, comes as Node gives it: UNKNOWN. */
export function systemError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const named = [...getSystemErrorMap()].find(([, [name]]) => name === code);
  const errno = named ? named[0] : -(constants.errno as Record<string, number>)[code];
  if (!Number.isInteger(errno)) throw new Error(`no system error ${code} on this platform`);
  const [shownCode, description] = named ? named[1] : ['UNKNOWN', 'unknown error'];
  const e = new Error(`${shownCode}: ${description}, ${syscall}${path === undefined ? '' : ` '${path}'`}`) as NodeJS.ErrnoException;
  return Object.assign(e, { errno, code: shownCode, syscall }, path === undefined ? {} : { path });
}

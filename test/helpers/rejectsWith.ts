import * as assert from 'uvu/assert';

/** The error `fn` rejects with (fails the test when it resolves), checked against `pattern`. */
export async function rejectsWith(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return e as Error;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
  throw new Error('unreachable');
}

// The numeric option check behind the commands' usage errors (the command line itself:
// test/e2e/commands/commandLine.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { positiveIntegers } from '../../../src/commands/options.ts';

test('positiveIntegers accepts absent and positive integer options and names the first bad one', () => {
  const check = positiveIntegers('max-sessions', 'batch-size');
  assert.is(check({}), true);
  assert.is(check({ 'max-sessions': 3, 'batch-size': 1 }), true);
  assert.is(check({ 'max-sessions': 0 }), '--max-sessions must be a positive integer, got 0');
  assert.is(check({ 'max-sessions': 2, 'batch-size': 1.5 }), '--batch-size must be a positive integer, got 1.5');
  assert.is(check({ 'batch-size': Number.NaN }), '--batch-size must be a positive integer, got NaN');
});

test.run();

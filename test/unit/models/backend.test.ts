// Backend selection: a named backend that is missing is a UserError with the install command; auto picks a usable
// one and says why each faster one was skipped, in one line.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../../src/errors.ts';
import { selectBackend } from '../../../src/models/backend.ts';

test('cpu can always be selected, and the one line says so', async () => {
  const lines: string[] = [];
  const r = await selectBackend('cpu', (l) => lines.push(l));
  assert.equal(lines, ['backend: cpu (requested)']);
  assert.is(r.name, 'cpu');
  assert.is(tf.getBackend(), 'cpu');
});

test('a named backend whose package is missing is a UserError with the install command', async () => {
  // tfjs-node cannot be installed in this environment (its install downloads libtensorflow); where it is
  // installed this test has nothing to check.
  let installed = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    installed = false;
  }
  if (installed) return;
  try {
    await selectBackend('tensorflow', () => {});
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, UserError);
    assert.match((e as Error).message, "backend 'tensorflow' is not usable");
    assert.match((e as Error).message, 'npm install @tensorflow/tfjs-node');
  } finally {
    await tf.setBackend('cpu');
  }
});

test('auto logs exactly one line naming the backend and the skipped ones', async () => {
  const lines: string[] = [];
  try {
    const r = await selectBackend('auto', (l) => lines.push(l));
    assert.is(lines.length, 1);
    assert.match(lines[0], /^backend: (tensorflow-gpu|webgpu|tensorflow|wasm|cpu)/);
    assert.is(tf.getBackend(), r.name);
    if (!lines[0].startsWith('backend: tensorflow-gpu')) assert.match(lines[0], 'tensorflow-gpu: ');
  } finally {
    await tf.setBackend('cpu');
  }
});

test.run();

// Backend selection: a named backend that is missing is a UserError with the install command; auto picks a usable
// one and says why each faster one was skipped, in one line.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** selectBackend in a fresh process (auto loads the native addon: that happens in a child, not here). */
function selectInChild(name: string, env: Record<string, string> = {}): { lines: string[]; name?: string; active?: string; tfjs?: string; error?: string; kind?: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../helpers/selectBackendChild.ts', import.meta.url)), name], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('auto logs exactly one line naming the backend and the skipped ones; native runs on wasm beneath', () => {
  const r = selectInChild('auto');
  assert.is(r.lines.length, 1);
  assert.match(r.lines[0], /^backend: (tensorflow-gpu|webgpu|native|tensorflow|wasm|cpu)/);
  assert.is(r.active, r.name);
  assert.is(r.tfjs, r.name === 'native' ? 'wasm' : r.name);
  if (!r.lines[0].startsWith('backend: tensorflow-gpu')) assert.match(r.lines[0], 'tensorflow-gpu: ');
});

test('without the native addon, auto uses wasm and its one line says why', () => {
  const r = selectInChild('auto', { SKIPTRAIN_NATIVE_ADDON: '/nonexistent/skiptrain.node' });
  assert.is(r.lines.length, 1);
  assert.ok(r.name !== 'native', r.lines[0]);
  assert.match(r.lines[0], 'native: the native addon is not built (npm run build:native');
});

test('--backend native without the addon is a UserError saying how to build it', () => {
  const r = selectInChild('native', { SKIPTRAIN_NATIVE_ADDON: '/nonexistent/skiptrain.node' });
  assert.is(r.kind, 'UserError');
  assert.match(r.error!, "backend 'native' is not usable");
  assert.match(r.error!, 'npm run build:native');
});

test.run();

// What the command line tells a user, run as a user runs it: bad numeric options are usage errors (one line naming
// the option, exit code 2, no stack trace), `train --help` lists the config keys, a setting the backend cannot
// honour is refused before anything is written, and --help never loads TensorFlow.js. (The option check itself: test/unit/commands/options.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEAF_PATHS } from '../../../src/config/rules.ts';

for (const [command, args, option] of [
  ['evaluate', ['--checkpoint', 'nowhere', '--max-sessions', '-1'], '--max-sessions'],
  ['evaluate', ['--checkpoint', 'nowhere', '--batch-size', '0'], '--batch-size'],
  ['predict', ['--checkpoint', 'nowhere', '--prehistory', 'p', '--input', 'i', '--out', 'o', '--batch-size', '2.5'], '--batch-size'],
] as const) {
  test(`CLI: ${command} ${args.slice(-2).join(' ')} is a usage error naming ${option}`, () => {
    const r = spawnSync(process.execPath, ['bin/skiptrain.js', command, ...args], { encoding: 'utf8' });
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ${option} must be a positive integer`));
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('CLI: train --help lists every config key with its default', () => {
  const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'train', '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  assert.is(r.status, 0, r.stderr);
  for (const path of LEAF_PATHS) assert.ok(r.stdout.includes(`--${path} `), `--${path} listed`);
  assert.match(r.stdout, /--train\.batchSize\s+\d+\s+an integer/);
});

test('CLI: train.precision f16 off the webgpu backend is refused before a run folder is made, naming the backend', () => {
  const checkpoints = mkdtempSync(join(tmpdir(), 'skiptrain-precision-'));
  try {
    const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'train', '--backend', 'wasm', '--config', 'lstm-synth', '--train.precision', 'f16', '--checkpoints', checkpoints], { encoding: 'utf8' });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, 'train.precision: f16 stores activations on a GPU: it needs --backend webgpu (this run uses wasm)');
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(readdirSync(checkpoints), []);
  } finally {
    rmSync(checkpoints, { recursive: true, force: true });
  }
});

test('the command modules (all that --help loads) do not import TensorFlow.js', () => {
  // The modules src/cli.ts imports; their handlers load the rest when they run.
  const modules = [...readFileSync('src/cli.ts', 'utf8').matchAll(/from '(\.\/commands\/\w+\.ts)'/g)].map((m) => `./src/${m[1].slice(2)}`);
  assert.ok(modules.length >= 8);
  const probe = `for (const m of ${JSON.stringify(modules)}) await import(m); console.log(globalThis._tfengine ? 'loaded' : 'not loaded');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim().split('\n').pop(), 'not loaded');
});

test.run();

// Nothing silent, nothing corrupt: what the commands do with files whose bytes changed after they were written (their
// CRC-32C no longer matches). evaluate on a damaged checkpoint and train on a damaged cache shard stop with one
// line naming the file, exit code 1; train --resume falls back past a damaged checkpoint and still ends with the
// weights of an undisturbed run; checkpoints from before the CRCs still evaluate, with one note per run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml } from '../../../src/config/yaml.ts';
import { evaluateCheckpoint } from '../../../src/eval/evaluateCheckpoint.ts';
import { readCheckpoint } from '../../../src/train/checkpoint.ts';
import { train } from '../../../src/train/trainer.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-damaged-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };
const cacheDir = join(root, 'cache');
// Checkpoints at steps 4, 8, 12, 16; the last two are kept. The run builds the cache as it starts.
const config = tinyConfig(root, { 'train.maxSteps': '16', 'data.cache': cacheDir });
let runFolder = '';

/** Inverts `count` bytes in the middle of a file, as a failing disk or a bad copy would change them. */
function flipMiddle(path: string, count: number) {
  const bytes = readFileSync(path);
  const at = bytes.length >> 1;
  for (let i = at; i < at + count; i++) bytes[i] ^= 0xff;
  writeFileSync(path, bytes);
}

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/skiptrain.js', ...args], { encoding: 'utf8' });

test.before(async () => {
  runFolder = (await train({ config, ...quiet })).runFolder;
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test('evaluate on a checkpoint with two flipped bytes in tensors.bin: one error line naming the file, no table', () => {
  const latest = join(runFolder, 'checkpoints', 'step-00000016');
  cpSync(latest, join(root, 'intact-step-16'), { recursive: true });
  flipMiddle(join(latest, 'tensors.bin'), 2);
  const r = cli(['evaluate', '--checkpoint', runFolder, '--backend', 'cpu']);
  assert.is(r.status, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.ok(errors[0].startsWith(`error: ${join(latest, 'tensors.bin')}: checkpoint data is corrupt (CRC-32C 0x`), errors[0]);
  assert.match(errors[0], `use the run's previous checkpoint, ${join(runFolder, 'checkpoints', 'step-00000012')}`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.is(r.stdout, '', 'no table');
});

test('train --resume past the damaged latest checkpoint: says so in one line, ends with the undisturbed weights', async () => {
  const lines: string[] = [];
  const resumed = await train({ config, resume: runFolder, ...quiet, log: (l) => lines.push(l) });
  const fallback = lines.filter((l) => l.includes('the newest intact checkpoint before it'));
  assert.is(fallback.length, 1, lines.join('\n'));
  assert.match(fallback[0], /^warning: .*step-00000016\/tensors\.bin: checkpoint data is corrupt .*; resuming from .*step-00000012, the newest intact/);
  assert.ok(lines.some((l) => l.startsWith(`resuming ${runFolder} at step 12 `)), lines.join('\n'));
  assert.is(resumed.step, 16);
  const [again, undisturbed] = await Promise.all([readCheckpoint(runFolder, () => {}), readCheckpoint(join(root, 'intact-step-16'), () => {})]);
  assert.is(again.manifest.step, 16);
  for (const [name, { values }] of undisturbed.weights) assert.equal(again.weights.get(name)!.values, values, name);
});

test('checkpoints from before the CRCs (version 1) still evaluate, with one note for the run', async () => {
  const old = ['step-00000012', 'step-00000016'].map((name) => {
    const copy = join(root, `v1-${name}`);
    cpSync(join(runFolder, 'checkpoints', name), copy, { recursive: true });
    const { tensorsCrc32c: _t, manifestCrc32c: _m, ...manifest } = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify({ ...manifest, version: 1 }, null, 1));
    return copy;
  });
  const lines: string[] = [];
  const { summary } = await evaluateCheckpoint({ checkpoint: old, log: (l) => lines.push(l) });
  assert.is(summary.members?.length, 2);
  const notes = lines.filter((l) => l.includes('read without verification'));
  assert.is(notes.length, 1, lines.join('\n'));
  assert.match(notes[0], /^note: .*v1-step-00000012 is a version 1 checkpoint \(written before checkpoints carried CRC-32C checksums\)/);
});

test('train on a cache with ten flipped bytes in a shard: one error line naming the shard and how to rebuild', () => {
  const shard = join(cacheDir, 'shard-00000.skb');
  flipMiddle(shard, 10);
  const configFile = join(root, 'cached.yaml');
  writeFileSync(configFile, configToYaml({ ...config, experiment: 'on-damaged-cache' }));
  const r = cli(['train', '--config', configFile]);
  assert.is(r.status, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.is(errors.length, 1, r.stderr);
  assert.ok(errors[0].startsWith(`error: ${shard}: cache shard is corrupt (CRC-32C 0x`), errors[0]);
  assert.ok(errors[0].endsWith(`: delete the cache folder ${cacheDir}; the next run with data.cache (or prepare --cache) builds it again`), errors[0]);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test.run();

// Nothing silent, nothing corrupt: what the commands do with files whose bytes changed after they were written (their
// CRC-32C no longer matches). evaluate on a damaged checkpoint and train on a damaged cache shard stop with one
// line naming the file, exit code 1; train --resume falls back past a damaged checkpoint and still ends with the
// weights of an undisturbed run; checkpoints from before the CRCs still evaluate, with one note per run. Then one
// changed byte in each other file of a run and of a cache: a checkpoint's manifest.json (an error naming it),
// checkpoints/latest (not followed: the newest complete checkpoint, with one warning), the run's config.yaml that
// --resume reads (one line listing the value that differs from the checkpoint's config), a TensorBoard event file
// (the damaged record is skipped with a warning, every other point is read) and the cache's manifest.json (said,
// and the cache is built again). (Partials of sharded passes and Parquet exports: damagedShardsAndExports.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDetailed } from '../../../src/config/load.ts';
import { configToYaml } from '../../../src/config/yaml.ts';
import { ensureCache, readCachedSessions } from '../../../src/data/cache/cache.ts';
import { loadTrackTable } from '../../../src/data/read/tracks.ts';
import { evaluateCheckpoint } from '../../../src/eval/evaluateCheckpoint.ts';
import { failureMessage } from '../../../src/util/failures.ts';
import { CheckpointCorruptError, loadCheckpoint, readCheckpoint } from '../../../src/train/checkpoint.ts';
import { runConfigPath } from '../../../src/train/runFolder.ts';
import { readScalars } from '../../../src/train/tensorboard/reader.ts';
import { train } from '../../../src/train/trainer.ts';
import { changeText, flipByte } from '../../helpers/faults.ts';
import { collect } from '../../helpers/dataFixtures.ts';
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

/** A copy of the run to damage, so that each case starts from intact files. */
function copyOfRun(name: string): string {
  const copy = join(root, name);
  cpSync(runFolder, copy, { recursive: true });
  return copy;
}

test('a changed byte in a checkpoint manifest: an error naming manifest.json and the checkpoint before it', async () => {
  const copy = copyOfRun('damaged-manifest');
  const manifest = join(copy, 'checkpoints', 'step-00000016', 'manifest.json');
  changeText(manifest, '"step": 16', '"step": 17');
  const e = await readCheckpoint(copy, () => {}).then(() => assert.unreachable('read'), (err: unknown) => err);
  assert.instance(e, CheckpointCorruptError);
  assert.ok(failureMessage(e)!.startsWith(`${manifest}: checkpoint manifest is corrupt (its CRC-32C does not match its content); `), String(e));
  assert.match(failureMessage(e)!, `use the run's previous checkpoint, ${join(copy, 'checkpoints', 'step-00000012')}`);
});

test('a changed byte in checkpoints/latest: not followed, even to another step that exists; the newest complete one, said once', async () => {
  for (const [from, to] of [['step-00000016', 'step-00000012'], ['step-', 'stap-']]) {
    const copy = copyOfRun(`damaged-latest-${to}`);
    changeText(join(copy, 'checkpoints', 'latest'), from, to);
    const lines: string[] = [];
    const loaded = await loadCheckpoint(copy, (l) => lines.push(l));
    assert.is(loaded.path, join(copy, 'checkpoints', 'step-00000016'));
    const warnings = lines.filter((l) => l.startsWith('warning:'));
    assert.is(warnings.length, 1, lines.join('\n'));
    assert.ok(warnings[0].startsWith(`warning: ${join(copy, 'checkpoints', 'latest')}: it is damaged (`), warnings[0]);
    assert.ok(warnings[0].endsWith(`; using the newest complete checkpoint, ${loaded.path}`), warnings[0]);
  }
});

test('a changed byte in the cache manifest: said in one line, and the cache is built again', async () => {
  flipByte(join(cacheDir, 'manifest.json'));
  const tracks = await loadTrackTable(config.data.tracks);
  const lines: string[] = [];
  const manifest = await ensureCache(cacheDir, config.data.logs, tracks, { tracksPath: config.data.tracks, log: (l) => lines.push(l) });
  assert.match(lines[0], /^cache .*: its manifest (is corrupt \(its CRC-32C does not match its content\)|is not valid JSON)$/);
  assert.match(lines[1], /^cache .*: building it from /);
  const sessions = await collect(readCachedSessions(cacheDir, manifest, tracks)); // the shard damaged above is rebuilt too (the next case trains on it)
  assert.is(sessions.length, manifest.sessions);
});

test('a changed byte in the run\'s config.yaml: --resume lists the value that differs from the checkpoint\'s, but not a command-line key', async () => {
  const copy = copyOfRun('damaged-config');
  const file = runConfigPath(copy);
  changeText(file, 'lr: 0.003', 'lr: 0.008');
  const line = readFileSync(file, 'utf8').split('\n').indexOf('  lr: 0.008') + 1;
  const { config: resumed, origins } = loadConfigDetailed(file, { 'train.maxSteps': '18' });
  const lines: string[] = [];
  await train({ config: resumed, origins, resume: copy, ...quiet, log: (l) => lines.push(l) });
  const warnings = lines.filter((l) => l.startsWith('warning:'));
  assert.equal(warnings, [
    `warning: the config differs from the one in ${join(copy, 'checkpoints', 'step-00000016')} in keys not set on the command line: ` +
      `train.lr 0.003 → 0.008 (config.yaml:${line}) — if you did not change them, the config file was damaged: fix it`,
  ]);
});

test('a changed byte in a TensorBoard event file: that record is skipped with a warning naming the file, every other point is read', async () => {
  const copy = copyOfRun('damaged-events');
  const [events] = readdirSync(copy).filter((name) => name.includes('tfevents'));
  const intact = await readScalars(copy, { onWarning: () => {} });
  flipByte(join(copy, events));
  const warnings: string[] = [];
  const damaged = await readScalars(copy, { onWarning: (m) => warnings.push(m) });
  assert.is(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`^${join(copy, events)}: skipped records that do not match their CRC-32C \\(\\d+ bytes at byte \\d+\\); the points they held are missing from the curves$`));
  const points = (m: Map<string, { step: number; value: number }[]>) => [...m].flatMap(([tag, ps]) => ps.map((p) => `${tag}@${p.step}=${p.value}`));
  const [before, after] = [points(intact), points(damaged)];
  assert.ok(before.length - after.length <= 5, 'one record: one step\'s scalars at most');
  assert.ok(after.every((p) => before.includes(p)), 'no point changed');
});

test.run();

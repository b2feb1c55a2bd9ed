// `skiptrain sweep` as a user runs it, on tiny synthetic data: successive halving over trial child processes,
// sweep.json listing every trial, HParams summaries in every trial and the experiment at the root; a sweep stopped
// with Ctrl-C and resumed ends with the same trials; and no trial's reader ever opens a test day (the test day's
// log files are replaced by garbage, which any read would fail on).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { loadConfig } from '../../../src/config/load.ts';
import { ensureSynthData } from '../../../src/data/batch/batches.ts';
import { EXPERIMENT_TAG, SESSION_START_TAG } from '../../../src/train/tensorboard/hparams.ts';
import { readHParams } from '../../../src/train/tensorboard/reader.ts';
import type { SweepState } from '../../../src/train/sweep/state.ts';
import { writeTinySweepBase } from '../../helpers/tinySweep.ts';

const BIN = resolve('bin/skiptrain.js');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-sweep-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const SWEEP = (name: string) => `name: ${name}
base: ${join(root, 'base.yaml')}
trials: 3
seed: 9
budget: {steps: 12}
halving: {eta: 3, rungs: 2}
space:
  train.lr: {loguniform: [0.001, 0.02]}
  model.dropout: {uniform: [0, 0.3]}
`;

/** The archive with every file of `day` (YYYYMMDD in its name) replaced by text no reader accepts. */
async function poisonDay(archive: string, day: string): Promise<void> {
  const entries: { name: string; data: Buffer }[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      entries.push({ name: header.name, data: header.name.includes(`_${day}_`) ? Buffer.from('not,a,log\n1,2\n') : Buffer.concat(chunks) });
      next();
    });
  });
  await pipeline(Readable.from(await readFile(archive)), createGunzip(), extract);
  assert.ok(entries.some((e) => e.name.includes(`_${day}_`)), `the archive has files of ${day}`);
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  await writeFile(archive, gzipSync(Buffer.concat(chunks)));
}

const readState = (folder: string) => JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepState;
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

test.before(async () => {
  await writeTinySweepBase(root, { sessions: 450, seed: 5 });
  await poisonDay(join(root, 'synth', 'training_set.tar.gz'), '20180717');
});

test('the poisoned test day fails any reader that opens it (a run that trains on every day but the held-out ones)', () => {
  const r = spawnSync(process.execPath, [BIN, 'train', join(root, 'base.yaml'), '--data.trainDays', '', '--train.maxSteps', '1'], { encoding: 'utf8', env, cwd: root });
  assert.is(r.status, 1);
  assert.match(r.stderr, /20180717/);
});

test('a sweep halves its trials on the validation metric, lists them in sweep.json and writes HParams', async () => {
  writeFileSync(join(root, 'a.yaml'), SWEEP('a'));
  const r = spawnSync(process.execPath, [BIN, 'sweep', join(root, 'a.yaml'), '--parallel', '2'], { encoding: 'utf8', env, cwd: root });
  assert.is(r.status, 0, r.stderr);
  const folder = join(root, 'runs', 'a');
  assert.match(r.stdout, /best trial: {3}trial-00\d/);
  const state = readState(folder);
  assert.is(state.status, 'done');
  assert.equal(state.rungs, [1 / 3, 1]);
  assert.is(state.trials.length, 3);
  // Rung 1 keeps ⌈3/3⌉ = 1 trial: the best at 1/3 of the budget, which then trains to the whole budget.
  const done = state.trials.filter((t) => t.status === 'done');
  assert.is(done.length, 1);
  const best = Math.max(...state.trials.map((t) => t.rungMetrics[0]));
  assert.is(done[0].rungMetrics[0], best);
  assert.is(done[0].step, 12);
  for (const t of state.trials.filter((t) => t.status !== 'done')) {
    assert.is(t.status, 'stopped');
    assert.is(t.step, 4);
    assert.is(t.rung, 0);
  }
  for (const t of state.trials) {
    assert.ok(existsSync(join(t.runFolder, 'config.yaml')), 'a normal run folder');
    const starts = (await readHParams(t.runFolder)).filter((h) => h.tag === SESSION_START_TAG);
    assert.ok(starts.length >= 1);
    assert.is(starts[0].data.sessionStartInfo!.hparams['train.lr'], t.values['train.lr']);
  }
  // sweep.html: self-contained, its table in the order of the metric, a chart per searched key.
  const html = readFileSync(join(folder, 'sweep.html'), 'utf8');
  const ranked = [...state.trials].sort((x, y) => y.bestMetric! - x.bestMetric!).map((t) => t.id);
  assert.equal([...html.matchAll(/<td>(trial-\d+)<\/td>/g)].map((m) => m[1]), ranked);
  assert.is(html.match(/<svg/g)?.length, 2);
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  const [experiment] = await readHParams(folder);
  assert.is(experiment.tag, EXPERIMENT_TAG);
  assert.equal(experiment.data.experiment!.hparamInfos.map((h) => h.name), ['train.lr', 'model.dropout']);
});

test('a sweep stopped with Ctrl-C and resumed ends with the same trials as one never stopped', async () => {
  writeFileSync(join(root, 'b.yaml'), SWEEP('b'));
  const folder = join(root, 'runs', 'b');
  const child = spawn(process.execPath, [BIN, 'sweep', join(root, 'b.yaml'), '--parallel', '1'], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let interrupted = false;
  let refused = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // Interrupt (once) while the second trial trains: the first is recorded, the second stops at a checkpoint.
    if (!interrupted && /trial-000 rung 1\/2/.test(stderr)) {
      // A second sweep process on the same folder is refused while this one runs.
      const second = spawnSync(process.execPath, [BIN, 'sweep', '--resume', folder], { encoding: 'utf8', env, cwd: root });
      refused = second.status === 1 && /is in use by another training process/.test(second.stderr);
      interrupted = child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  assert.is(code, 130, stderr);
  assert.ok(refused, 'a second sweep on the folder was refused');
  assert.match(stderr, /continue with: skiptrain sweep --resume/);
  assert.is(readState(folder).status, 'running');

  const r = spawnSync(process.execPath, [BIN, 'sweep', '--resume', folder, '--parallel', '2'], { encoding: 'utf8', env, cwd: root });
  assert.is(r.status, 0, r.stderr);
  const resumed = readState(folder);
  const never = readState(join(root, 'runs', 'a'));
  assert.is(resumed.status, 'done');
  assert.equal(resumed.trials.map((t) => [t.values, t.status, t.rung, t.step]), never.trials.map((t) => [t.values, t.status, t.rung, t.step]));
  // Resumed training is exact: the same metrics at every rung.
  assert.equal(resumed.trials.map((t) => t.rungMetrics), never.trials.map((t) => t.rungMetrics));
});

test('--final on the finished sweep retrains the best with 3 seeds and is the first to read the test days', async () => {
  const folder = join(root, 'runs', 'a');
  const poisoned = spawnSync(process.execPath, [BIN, 'sweep', '--resume', folder, '--final', '1'], { encoding: 'utf8', env, cwd: root });
  assert.is(poisoned.status, 1, 'the test day is read now, and it is garbage');
  assert.match(poisoned.stderr, /20180717/);
  // The real test day back: the synthetic data regenerates.
  rmSync(join(root, 'synth'), { recursive: true });
  await ensureSynthData(loadConfig(join(root, 'base.yaml')), () => {});
  const r = spawnSync(process.execPath, [BIN, 'sweep', '--resume', folder, '--final', '1'], { encoding: 'utf8', env, cwd: root });
  assert.is(r.status, 0, r.stderr);
  const best = readState(folder).trials.find((t) => t.status === 'done')!;
  assert.match(r.stdout, /test days 2018-07-17 \(data\.testDays\); mean ± sd over seeds/);
  assert.match(r.stdout, new RegExp(`\\n${best.id} +\\d\\.\\d{4} +\\d\\.\\d{4} ± \\d\\.\\d{4} +\\d\\.\\d{4} ± \\d\\.\\d{4} +\\d\\.\\d{4} +\\d\\.\\d{4} +train\\.lr=`));
  const final = JSON.parse(readFileSync(join(folder, 'final.json'), 'utf8')) as { rows: { trial: string; runs: string[]; seeds: unknown[] }[] };
  assert.is(final.rows.length, 1);
  assert.is(final.rows[0].trial, best.id);
  assert.is(final.rows[0].runs[0], best.runFolder, 'the trial that used its whole budget is its own first seed');
  assert.is(final.rows[0].seeds.length, 3);
});

test('a bad sweep file is one error line before any training', () => {
  writeFileSync(join(root, 'bad.yaml'), SWEEP('bad').replace('[0, 0.3]', '[0.3, 0]'));
  const r = spawnSync(process.execPath, [BIN, 'sweep', join(root, 'bad.yaml')], { encoding: 'utf8', env, cwd: root });
  assert.is(r.status, 1);
  assert.match(r.stderr, /^error: .*bad\.yaml:9: sweep key 'space\.model\.dropout': low 0\.3 must be below high 0/);
  assert.not.ok(existsSync(join(root, 'runs', 'bad')));
});

test.run();

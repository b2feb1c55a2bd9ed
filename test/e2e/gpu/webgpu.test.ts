// WebGPU against wasm, on whatever WebGPU adapter this machine has (in CI: lavapipe, Mesa's software Vulkan, which
// .ci/run installs). Training and evaluation run in child processes, one per backend (backendJobs.ts: the library
// calls behind `skiptrain train|evaluate`), plus CLI runs of train and predict: the tfjs engine is global, and a GPU device must not
// leak into the other test files. Without an adapter the file prints why it skipped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.ts';
import { configToYaml } from '../../../src/config/yaml.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { readCheckpoint } from '../../../src/train/checkpoint.ts';
import { readScalars } from '../../../src/train/tensorboard/reader.ts';
import { isCpuAdapter, probeAdapter } from '../../../src/kernels/webgpu/device.ts';
import { webgpuMissing } from '../../helpers/childCases.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';
import type { Job } from './backendJobs.ts';

interface Run {
  code: number | null;
  output: string;
}

function run(script: string, args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

interface JobResult {
  kind: 'train' | 'evaluate';
  backend: string;
  config?: string;
  resume?: string;
  runFolder?: string;
  checkpoint: string;
  step?: number;
  maa?: number;
}

/** Runs the jobs in one child process on `backend`; returns their results in order. */
async function jobsOn(backend: string, jobs: Job[]): Promise<JobResult[]> {
  const r = await run('test/e2e/gpu/backendJobs.ts', [backend, JSON.stringify(jobs)]);
  assert.is(r.code, 0, r.output);
  const results = r.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JobResult);
  assert.is(results.length, jobs.length, r.output);
  results.forEach((x) => assert.is(x.backend, backend));
  return results;
}

const root = mkdtempSync(join(tmpdir(), 'skiptrain-webgpu-'));
const STEPS = 50;

/** A tiny config file (LSTM or 2-layer Transformer), STEPS steps, train/loss logged every 5. */
function configFile(type: 'lstm' | 'transformer', backend: string): string {
  const experiment = `${type}-${backend}`;
  const file = join(root, `${experiment}.yaml`);
  const shape: Record<string, string> = type === 'transformer' ? { 'model.heads': '2', 'model.ff': '16', 'model.layers': '2' } : {};
  const config = tinyConfig(root, {
    experiment,
    backend,
    'model.type': type,
    'data.synth.sessions': '400',
    'train.epochs': '8',
    'train.maxSteps': String(STEPS),
    'train.logEvery': '5',
    'train.checkpointEvery': '25',
    'train.histogramEvery': '25',
    ...shape,
  });
  writeFileSync(file, configToYaml(config));
  return file;
}

async function lossCurve(runFolder: string): Promise<{ step: number; value: number }[]> {
  return (await readScalars(runFolder)).get('train/loss') ?? [];
}

/** A shipped synth config at a CI-sized shape (width 32, batch 32, 3,000 sessions), SYNTH_STEPS steps. */
function synthConfigFile(type: 'lstm' | 'transformer', backend: string, precision: 'f32' | 'f16' = 'f32'): string {
  const experiment = `${type}-synth-${backend}-${precision}`;
  const file = join(root, `${experiment}.yaml`);
  const data = join(root, 'synth3k');
  const config = loadConfig(`${type}-synth`, {
    experiment,
    backend,
    'train.precision': precision,
    checkpoints: join(root, 'runs'),
    'data.logs': join(data, 'training_set.tar.gz'),
    'data.tracks': join(data, 'track_features.tar.gz'),
    'data.synth.sessions': '3000',
    'data.maxValSessions': '300',
    'model.hidden': '32',
    ...(type === 'transformer' ? { 'model.ff': '64' } : {}),
    'train.batchSize': '32',
    'train.maxSteps': String(SYNTH_STEPS),
    'train.workers': '1',
  });
  writeFileSync(file, configToYaml(config));
  return file;
}

const SYNTH_STEPS = 200;
/** How far the train/loss of a run with f16 activations may drift from wasm's f32 (docs/gpu.md has the measured gap). */
const F16_CURVE = 0.03;

async function assertSameCurve(gpuRun: string, cpuRun: string, what: string, steps = STEPS, every = 5, within = 0.02): Promise<void> {
  // Up to `steps`: a later job resumes one of the runs further.
  const [gpu, cpu] = (await Promise.all([lossCurve(gpuRun), lossCurve(cpuRun)])).map((c) => c.filter((p) => p.step <= steps));
  assert.is(gpu.length, steps / every, `${what}: a train/loss point every ${every} steps`);
  assert.equal(gpu.map((p) => p.step), cpu.map((p) => p.step));
  const gaps = gpu.map((p, i) => {
    const rel = Math.abs(p.value - cpu[i].value) / Math.abs(cpu[i].value);
    assert.ok(rel < within, `${what} step ${p.step}: webgpu ${p.value} vs wasm ${cpu[i].value} (${(rel * 100).toFixed(2)}%)`);
    return rel;
  });
  console.log(`  ${what}: train/loss at most ${(Math.max(...gaps) * 100).toFixed(2)}% from wasm's`);
}

const unavailable = webgpuMissing();
if (unavailable) {
  console.log(`\n  skipped: WebGPU tests (${unavailable})`);
  test.skip('webgpu vs wasm', () => {});
} else {
  console.log("\n  WebGPU tests run on this machine's adapter (on CI: lavapipe, a software Vulkan device)");
  let wasm: JobResult[] = [];
  let gpu: JobResult[] = [];
  let wasmAgain: JobResult[] = [];

  test('LSTM: webgpu and wasm from the same seed log the same train/loss (within 2%) at every step', async () => {
    wasm = await jobsOn('wasm', [{ kind: 'train', config: configFile('lstm', 'wasm') }, { kind: 'train', config: configFile('transformer', 'wasm') }]);
    gpu = await jobsOn('webgpu', [
      { kind: 'train', config: configFile('lstm', 'webgpu') },
      { kind: 'train', config: configFile('transformer', 'webgpu') },
      { kind: 'evaluate', checkpoint: '$0' },
      { kind: 'evaluate', checkpoint: wasm[0].checkpoint },
      // Last: it moves the wasm run on to STEPS + 10.
      { kind: 'train', config: wasm[0].config!, resume: wasm[0].runFolder, maxSteps: STEPS + 10 },
    ]);
    await assertSameCurve(gpu[0].runFolder!, wasm[0].runFolder!, 'LSTM');
  });

  test('Transformer: webgpu and wasm from the same seed log the same train/loss (within 2%)', async () => {
    await assertSameCurve(gpu[1].runFolder!, wasm[1].runFolder!, 'Transformer');
  });

  test('evaluate: a checkpoint scores the same MAA on webgpu and wasm (within 0.002), whichever backend wrote it', async () => {
    wasmAgain = await jobsOn('wasm', [
      { kind: 'evaluate', checkpoint: gpu[0].checkpoint },
      { kind: 'evaluate', checkpoint: wasm[0].checkpoint },
      { kind: 'train', config: gpu[0].config!, resume: gpu[0].runFolder, maxSteps: STEPS + 10 },
    ]);
    const pairs = [
      ['webgpu-written', gpu[2].maa!, wasmAgain[0].maa!],
      ['wasm-written', gpu[3].maa!, wasmAgain[1].maa!],
    ] as const;
    for (const [what, onGpu, onWasm] of pairs) {
      assert.ok(onGpu > 0.3 && onGpu < 1, `${what}: a real MAA (${onGpu})`);
      assert.ok(Math.abs(onGpu - onWasm) <= 0.002, `${what} checkpoint: MAA ${onGpu} on webgpu vs ${onWasm} on wasm`);
    }
  });

  test('--resume: a webgpu checkpoint continues on wasm, a wasm one on webgpu', async () => {
    for (const resumed of [gpu[4], wasmAgain[2]]) {
      assert.is(resumed.step, STEPS + 10);
      assert.is((await readCheckpoint(resumed.runFolder!)).manifest.step, STEPS + 10);
      const curve = await lossCurve(resumed.runFolder!);
      assert.equal(curve.map((p) => p.step).slice(-3), [STEPS, STEPS + 5, STEPS + 10]);
      assert.ok(curve.every((p) => Number.isFinite(p.value) && p.value > 0 && p.value < 2), JSON.stringify(curve));
    }
  });

  test('the CLI trains on webgpu when asked and says so', async () => {
    const r = await run('bin/skiptrain.js', ['train', '--resume', gpu[0].runFolder!, '--backend', 'webgpu', '--train.maxSteps', String(STEPS + 15)]);
    assert.is(r.code, 0, r.output);
    assert.match(r.output, 'backend: webgpu');
    assert.match(r.output, `resuming ${gpu[0].runFolder}`);
    assert.is((await readCheckpoint(gpu[0].runFolder!)).manifest.step, STEPS + 15);
  });

  test('the CLI predicts on webgpu: the same submission as on wasm, but for probabilities at the threshold', async () => {
    const synth = await writeSynth({ out: join(root, 'test-data'), sessions: 200, days: 1, seed: 5, tracks: 300, testSet: true, filesPerDay: 1 });
    const submissions: string[][] = [];
    for (const backend of ['webgpu', 'wasm']) {
      const out = join(root, `submission-${backend}.txt`);
      const args = ['--prehistory', ...synth.testSet!.prehistory, '--input', ...synth.testSet!.input, '--tracks', synth.tracks];
      const r = await run('bin/skiptrain.js', ['predict', '--checkpoint', gpu[0].runFolder!, ...args, '--out', out, '--backend', backend]);
      assert.is(r.code, 0, r.output);
      assert.match(r.output, `backend: ${backend}`);
      submissions.push(readFileSync(out, 'utf8').trimEnd().split('\n'));
    }
    const [onGpu, onWasm] = submissions;
    assert.ok(onGpu.length >= 20, `${onGpu.length} test sessions`);
    assert.equal(onGpu.map((l) => l.length), onWasm.map((l) => l.length));
    const chars = onWasm.join('');
    const same = [...onGpu.join('')].filter((c, i) => c === chars[i]).length;
    // float32 on both; only a probability within rounding of 0.5 may land on the other side.
    assert.ok(same / chars.length >= 0.99, `${same} of ${chars.length} predictions agree`);
  });

  test('200-step lstm-synth and transformer-synth runs (width 32, batch 32): train/loss within 2% of wasm at every logged step, with f16 activations within F16_CURVE; each checkpoint scores the same MAA on both (within 0.002)', async () => {
    const types = ['lstm', 'transformer'] as const;
    const onWasm = await jobsOn('wasm', types.map((t) => ({ kind: 'train', config: synthConfigFile(t, 'wasm') })));
    const onGpu = await jobsOn('webgpu', [...types.map((t): Job => ({ kind: 'train', config: synthConfigFile(t, 'webgpu') })), ...types.map((t): Job => ({ kind: 'train', config: synthConfigFile(t, 'webgpu', 'f16') }))]);
    // Every checkpoint of the six runs, scored on both backends.
    const checkpoints = [...onGpu, ...onWasm].map((r): Job => ({ kind: 'evaluate', checkpoint: r.checkpoint }));
    const [gpuScores, wasmScores] = [await jobsOn('webgpu', checkpoints), await jobsOn('wasm', checkpoints)];
    for (const [k, type] of types.entries()) {
      await assertSameCurve(onGpu[k].runFolder!, onWasm[k].runFolder!, `${type}-synth`, SYNTH_STEPS, 20);
      await assertSameCurve(onGpu[k + 2].runFolder!, onWasm[k].runFolder!, `${type}-synth with f16 activations`, SYNTH_STEPS, 20, F16_CURVE);
    }
    gpuScores.forEach((scored, i) => {
      assert.ok(scored.maa! > 0.4 && scored.maa! < 1, `${scored.checkpoint}: a real MAA (${scored.maa})`);
      assert.ok(Math.abs(scored.maa! - wasmScores[i].maa!) <= 0.002, `${scored.checkpoint}: MAA ${scored.maa} on webgpu vs ${wasmScores[i].maa} on wasm`);
    });
  });

  test('auto never picks a CPU-only adapter, and says why in its one line', () => {
    const adapter = probeAdapter()!;
    // In a child process: auto may load the native addon, which tests keep out of this process.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/selectBackendChild.ts', 'auto'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const chosen = JSON.parse(r.stdout.trim().split('\n').pop()!) as { lines: string[]; name: string };
    assert.is(chosen.lines.length, 1);
    if (isCpuAdapter(adapter)) {
      assert.is.not(chosen.name, 'webgpu');
      assert.match(chosen.lines[0], `webgpu: only a CPU adapter (${adapter.description})`);
    }
  });

  test('a GPU validation error stops with a clear message instead of returning numbers', async () => {
    const r = await run('test/e2e/gpu/provokeValidationError.ts', []);
    assert.is.not(r.code, 0, r.output);
    assert.match(r.output, 'WebGPU device error, stopping');
    assert.not.match(r.output, 'read back:');
  });
}

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

// WebGPU against wasm, on whatever WebGPU adapter this machine has (in CI: lavapipe, Mesa's software Vulkan, which
// .ci/run installs). Every run is a child process of the real CLI (`skiptrain train|evaluate --backend ...`):
// the tfjs engine is global, and a GPU device must not leak into the other test files. Without an adapter the
// file prints why it skipped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml } from '../../src/config/yaml.ts';
import { readCheckpoint } from '../../src/train/checkpoint.ts';
import { readScalars } from '../../src/train/tensorboard/reader.ts';
import { hasVulkanLoader, probeAdapter } from '../../src/models/webgpu.ts';
import { tinyConfig } from '../train/fixture.ts';

function whyUnavailable(): string | null {
  const require = createRequire(import.meta.url);
  for (const pkg of ['webgpu', '@tensorflow/tfjs-backend-webgpu']) {
    try {
      require.resolve(pkg);
    } catch {
      return `${pkg} is not installed`;
    }
  }
  if (process.platform === 'linux' && !hasVulkanLoader()) return 'no Vulkan loader (libvulkan.so.1); .ci/run installs lavapipe when it runs as root with apt';
  try {
    const adapter = probeAdapter();
    return adapter ? null : 'Dawn found no WebGPU adapter (no Vulkan driver, e.g. mesa-vulkan-drivers from bookworm-backports)';
  } catch (e) {
    return (e as Error).message;
  }
}

interface Run {
  code: number | null;
  output: string;
}

function run(args: string[], script = 'bin/skiptrain.js'): Promise<Run> {
  const child = spawn(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

const root = mkdtempSync(join(tmpdir(), 'skiptrain-webgpu-'));
const STEPS = 50;

/** Trains a tiny model to STEPS steps on `backend`; returns its run folder. */
async function trainOn(backend: string, type: 'lstm' | 'transformer'): Promise<string> {
  const experiment = `${type}-${backend}`;
  const file = join(root, `${experiment}.yaml`);
  const shape = type === 'transformer' ? { 'model.heads': '2', 'model.ff': '16', 'model.layers': '2' } : {};
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
  const r = await run(['train', '--config', file]);
  assert.is(r.code, 0, r.output);
  assert.match(r.output, `backend: ${backend}`);
  const dir = join(root, 'runs', experiment);
  return join(dir, readdirSync(dir)[0]);
}

async function lossCurve(runFolder: string): Promise<{ step: number; value: number }[]> {
  return (await readScalars(runFolder)).get('train/loss') ?? [];
}

async function assertSameCurve(gpuRun: string, cpuRun: string, what: string): Promise<void> {
  const [gpu, cpu] = await Promise.all([lossCurve(gpuRun), lossCurve(cpuRun)]);
  assert.is(gpu.length, STEPS / 5, `${what}: a train/loss point every 5 steps`);
  assert.equal(gpu.map((p) => p.step), cpu.map((p) => p.step));
  gpu.forEach((p, i) => {
    const rel = Math.abs(p.value - cpu[i].value) / Math.abs(cpu[i].value);
    assert.ok(rel < 0.02, `${what} step ${p.step}: webgpu ${p.value} vs wasm ${cpu[i].value} (${(rel * 100).toFixed(2)}%)`);
  });
}

async function maaOf(checkpoint: string, backend: string): Promise<number> {
  const json = join(root, `eval-${backend}-${Date.now()}.json`);
  const r = await run(['evaluate', '--checkpoint', checkpoint, '--backend', backend, '--json', json]);
  assert.is(r.code, 0, r.output);
  return (JSON.parse(readFileSync(json, 'utf8')) as { model: { maa: number } }).model.maa;
}

const unavailable = whyUnavailable();
if (unavailable) {
  console.log(`\n  skipped: WebGPU tests (${unavailable})`);
  test.skip('webgpu vs wasm', () => {});
} else {
  console.log('\n  WebGPU tests run on this machine\'s adapter (on CI: lavapipe, a software Vulkan device)');
  const runs: Record<string, string> = {};

  test('LSTM: webgpu and wasm from the same seed log the same train/loss (within 2%) at every step', async () => {
    runs.lstmGpu = await trainOn('webgpu', 'lstm');
    runs.lstmWasm = await trainOn('wasm', 'lstm');
    await assertSameCurve(runs.lstmGpu, runs.lstmWasm, 'LSTM');
  });

  test('Transformer: webgpu and wasm from the same seed log the same train/loss (within 2%)', async () => {
    await assertSameCurve(await trainOn('webgpu', 'transformer'), await trainOn('wasm', 'transformer'), 'Transformer');
  });

  test('evaluate: one checkpoint scores the same MAA on webgpu and wasm (within 0.002), either way it was written', async () => {
    const gpuWritten = (await readCheckpoint(runs.lstmGpu)).path;
    const wasmWritten = (await readCheckpoint(runs.lstmWasm)).path;
    const [a, b] = [await maaOf(gpuWritten, 'webgpu'), await maaOf(gpuWritten, 'wasm')];
    assert.ok(Math.abs(a - b) <= 0.002, `webgpu-written checkpoint: MAA ${a} on webgpu vs ${b} on wasm`);
    const [c, d] = [await maaOf(wasmWritten, 'webgpu'), await maaOf(wasmWritten, 'wasm')];
    assert.ok(Math.abs(c - d) <= 0.002, `wasm-written checkpoint: MAA ${c} on webgpu vs ${d} on wasm`);
  });

  test('--resume: a webgpu checkpoint continues on wasm, a wasm one on webgpu (so --resume works on webgpu)', async () => {
    for (const [runFolder, backend] of [[runs.lstmGpu, 'wasm'], [runs.lstmWasm, 'webgpu']]) {
      const r = await run(['train', '--resume', runFolder, '--backend', backend, '--train.maxSteps', String(STEPS + 10)]);
      assert.is(r.code, 0, r.output);
      assert.match(r.output, `resuming ${runFolder} at step ${STEPS}`);
      assert.is((await readCheckpoint(runFolder)).manifest.step, STEPS + 10);
      const curve = await lossCurve(runFolder);
      assert.is(curve.at(-1)?.step, STEPS + 10);
      assert.ok(curve.every((p) => Number.isFinite(p.value)));
    }
  });

  test('a GPU validation error stops with a clear message instead of returning numbers', async () => {
    const r = await run([], 'test/gpu/provoke-validation-error.ts');
    assert.is.not(r.code, 0, r.output);
    assert.match(r.output, 'WebGPU device error, stopping');
    assert.not.match(r.output, 'read back:');
  });
}

test.run();

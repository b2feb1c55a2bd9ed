// Picks the TensorFlow.js backend: the fastest one that is installed and usable, or exactly the one asked for.
//
// How the packages interplay: every backend registers itself into ONE global engine (tfjs-core keeps it on
// globalThis), so the rest of the code always imports '@tensorflow/tfjs' for the core API and simply runs on
// whichever backend is active. '@tensorflow/tfjs-node' and '@tensorflow/tfjs-node-gpu' both register a backend
// named 'tensorflow' (libtensorflow, CPU or CUDA build) and re-export their own copy of tfjs; importing them is
// enough, we never use their namespace. Only one of the two can be loaded in a process (same backend name, same
// native symbols), which is why 'tensorflow-gpu' is tried before 'tensorflow' and the first that loads wins.
// The WebGPU engine needs a GPU device from the optional 'webgpu' package (Dawn's dawn.node); kernels/webgpu/device.ts opens it.
// `auto` skips a CPU-only WebGPU adapter (lavapipe, SwiftShader): the CPU backends are faster there.
// `native` and `webgpu` are not tfjs backends: they are skiptrain's own engines (src/kernels/native.ts: C on the
// CPU; src/kernels/webgpu: WGSL on a GPU through Dawn), which train and predict both models, with tfjs-wasm
// activated beneath them to hold the model's variables (checkpoints, histograms). activeBackend() names what is in
// use; trainers and predictors ask it which engine to use.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_PREFERENCE, type Backend, type ConcreteBackend } from './backendNames.ts';
import { UserError } from '../errors.ts';
import { enableFastSlicing } from '../kernels/fastSlicing.ts';
import { loadNative } from '../kernels/native.ts';
import { hasVulkanLoader, isCpuAdapter, openGpu, probeAdapter } from '../kernels/webgpu/device.ts';

export interface SelectedBackend {
  /** The backend now active: an engine ('native', 'webgpu'), or the tfjs backend's name ('tensorflow', 'wasm', 'cpu'). */
  name: string;
  /** Why this one: for auto, the reasons each faster candidate was skipped. */
  reason: string;
}

const INSTALL_HINT: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': 'npm install @tensorflow/tfjs-node-gpu (needs Linux x64 with CUDA 11.2 + cuDNN 8; its install downloads libtensorflow)',
  webgpu: 'npm install webgpu (and a machine whose GPU Dawn can open: Vulkan, Metal or D3D12)',
  native: 'npm run build:native (it needs a C compiler, make, python3 and Node\'s headers)',
  tensorflow: 'npm install @tensorflow/tfjs-node (its install downloads libtensorflow)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm',
  cpu: 'it ships with @tensorflow/tfjs',
};

/** A candidate could not be used; `message` is the short reason printed by auto. */
class Unavailable extends Error {}

function describeImportFailure(pkg: string, e: unknown): string {
  const code = (e as { code?: string })?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `${pkg} not installed`;
  const first = String((e as Error)?.message ?? e).split('\n')[0];
  return `${pkg} failed to load (${first.slice(0, 160)})`;
}

function assertInstalled(pkg: string): void {
  try {
    createRequire(import.meta.url).resolve(pkg);
  } catch {
    throw new Unavailable(`${pkg} not installed`);
  }
}

async function importOptional(pkg: string): Promise<unknown> {
  try {
    return await import(pkg);
  } catch (e) {
    throw new Unavailable(describeImportFailure(pkg, e));
  }
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new Unavailable(`backend '${name}' failed to initialise (${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
  if (!ok) throw new Unavailable(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/** Throws Unavailable unless Dawn can open an adapter, and (for auto) unless that adapter is a real GPU. */
function checkWebGpuAdapter(forAuto: boolean): void {
  // Without a Vulkan loader Dawn can only fail, and says so on stderr from native code: skip it quietly instead.
  if (process.platform === 'linux' && !hasVulkanLoader()) throw new Unavailable('no Vulkan loader (libvulkan.so.1), so no GPU adapter');
  if (!forAuto) return;
  const adapter = probeAdapter();
  if (!adapter) throw new Unavailable('no GPU adapter');
  if (isCpuAdapter(adapter)) throw new Unavailable(`only a CPU adapter (${adapter.description}), slower than the CPU backends; name it with --backend webgpu to use it anyway`);
}

/** The engine selected (native or webgpu) and the tfjs backend beneath it, which holds the model's variables. */
let engine: { name: string; beneath: string } | null = null;

/** The backend in use: the engine ('native', 'webgpu') while the tfjs backend beneath it is still the active one, else that tfjs backend. */
export function activeBackend(): string {
  const tfjs = tf.getBackend();
  return engine?.beneath === tfjs ? engine.name : tfjs;
}

/** Refuses train.precision: f16 where it cannot be honoured (before a run folder is made: the CLI calls it first). */
export async function checkPrecision(precision: 'f32' | 'f16'): Promise<void> {
  if (precision === 'f32') return;
  const backend = activeBackend();
  if (backend !== 'webgpu') throw new UserError(`train.precision: f16 stores activations on a GPU: it needs --backend webgpu (this run uses ${backend}); use f32`);
  const gpu = await openGpu();
  if (!gpu.f16) throw new UserError(`train.precision: f16 needs a GPU with shader-f16; ${gpu.adapter.description} has none: use f32`);
}

async function tryBackend(which: ConcreteBackend, forAuto: boolean): Promise<string> {
  switch (which) {
    case 'native': {
      const native = loadNative();
      if ('reason' in native) throw new Unavailable(native.reason);
      await tryBackend('wasm', forAuto);
      return 'native';
    }
    case 'tensorflow-gpu':
      await importOptional('@tensorflow/tfjs-node-gpu');
      await activate('tensorflow');
      return 'tensorflow';
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node');
      await activate('tensorflow');
      return 'tensorflow';
    case 'webgpu':
      assertInstalled('webgpu');
      checkWebGpuAdapter(forAuto);
      try {
        await openGpu();
      } catch (e) {
        throw new Unavailable(`no usable GPU device (${reasonOf(e)})`);
      }
      await tryBackend('wasm', forAuto);
      return 'webgpu';
    case 'wasm':
      await importOptional('@tensorflow/tfjs-backend-wasm');
      await activate('wasm');
      enableFastSlicing();
      return 'wasm';
    case 'cpu':
      await activate('cpu');
      enableFastSlicing();
      return 'cpu';
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof Unavailable) return e.message;
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/**
 * Make `name` the active tfjs backend and log one line naming it. `auto` takes the first usable of
 * BACKEND_PREFERENCE and says why each faster one was skipped; a named backend that is unusable is a UserError with
 * the install command.
 */
export async function selectBackend(name: Backend, log: (line: string) => void = (l) => console.error(l)): Promise<SelectedBackend> {
  const selected = await select(name, log);
  engine = selected.name === 'native' || selected.name === 'webgpu' ? { name: selected.name, beneath: tf.getBackend() } : null;
  return selected;
}

async function select(name: Backend, log: (line: string) => void): Promise<SelectedBackend> {
  if (name !== 'auto') {
    try {
      const active = await tryBackend(name, false);
      log(`backend: ${name} (requested)`);
      return { name: active, reason: 'requested in the config (backend)' };
    } catch (e) {
      throw new UserError(`backend '${name}' is not usable: ${reasonOf(e)}. To use it: ${INSTALL_HINT[name]}; or set backend: auto.`);
    }
  }
  const skipped: string[] = [];
  for (const candidate of BACKEND_PREFERENCE) {
    try {
      const active = await tryBackend(candidate, true);
      const reason = skipped.length ? skipped.join('; ') : 'fastest available';
      log(`backend: ${candidate}${skipped.length ? ` (${reason})` : ''}`);
      return { name: active, reason };
    } catch (e) {
      skipped.push(`${candidate}: ${reasonOf(e)}`);
    }
  }
  // The cpu backend ships with tfjs, so this is only reachable if tfjs itself is broken.
  throw new UserError(`no TensorFlow.js backend could be initialised (${skipped.join('; ')})`);
}

// Is there a GPU the webgpu backend can use? Two independent answers, printed as JSON lines on stdout:
//   {"check":"adapter",...}  dawn.node's own adapter request (what `vulkaninfo` would tell, without needing it)
//   {"check":"webgpu-backend",...}  the project's selectBackend('webgpu'): the path training takes
// plus a tiny matmul checked against the cpu backend, so "it started" also means "it computes".
// Never throws for a missing GPU: the reason goes into the JSON line (ok: false).
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/models/backend.ts';

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** GPUSupportedFeatures is a set-like; tolerate bindings where it is not iterable rather than fail the probe. */
function featureNames(features: unknown): string[] {
  try {
    return [...(features as Iterable<string>)].sort();
  } catch {
    return [];
  }
}

async function probeAdapter(): Promise<Record<string, unknown>> {
  let mod: { create: (flags: string[]) => { requestAdapter(): Promise<unknown> } };
  try {
    mod = (await import('webgpu')) as typeof mod;
  } catch (e) {
    return { check: 'adapter', ok: false, reason: `webgpu package failed to load (${firstLine(e)})` };
  }
  try {
    const adapter = (await mod.create([]).requestAdapter()) as { info?: AdapterInfo; features?: Set<string> } | null;
    if (!adapter) return { check: 'adapter', ok: false, reason: 'no GPU adapter (dawn.node found no Vulkan/Metal/D3D12 device)' };
    const info = adapter.info ?? {};
    return {
      check: 'adapter',
      ok: true,
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      features: featureNames(adapter.features),
    };
  } catch (e) {
    return { check: 'adapter', ok: false, reason: `requestAdapter failed (${firstLine(e)})` };
  }
}

/** A small product on the active backend, compared with the cpu backend's result. */
async function matmulAgreesWithCpu(backend: string): Promise<{ maxAbsDiff: number }> {
  const a = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 48 * 32 }, (_, i) => Math.cos(i));
  const product = async (): Promise<Float32Array> => {
    const ta = tf.tensor2d(a, [64, 48]);
    const tb = tf.tensor2d(b, [48, 32]);
    const tc = tf.matMul(ta, tb);
    const out = (await tc.data()) as Float32Array;
    tf.dispose([ta, tb, tc]);
    return out;
  };
  await tf.setBackend(backend);
  const onBackend = await product();
  await tf.setBackend('cpu');
  const onCpu = await product();
  await tf.setBackend(backend);
  let maxAbsDiff = 0;
  for (let i = 0; i < onCpu.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onBackend[i] - onCpu[i]));
  return { maxAbsDiff };
}

async function probeBackend(): Promise<Record<string, unknown>> {
  try {
    const selected = await selectBackend('webgpu', () => {});
    const { maxAbsDiff } = await matmulAgreesWithCpu(selected.name);
    return { check: 'webgpu-backend', ok: maxAbsDiff < 1e-3, backend: selected.name, matmulMaxAbsDiffVsCpu: maxAbsDiff };
  } catch (e) {
    return { check: 'webgpu-backend', ok: false, reason: firstLine(e) };
  }
}

export async function runProbe(): Promise<void> {
  console.log(JSON.stringify({ check: 'runtime', node: process.version, platform: `${process.platform}-${process.arch}`, tfjs: tf.version.tfjs }));
  console.log(JSON.stringify(await probeAdapter()));
  console.log(JSON.stringify(await probeBackend()));
}

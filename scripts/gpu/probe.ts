// Is there a GPU the WebGPU engine can use? Two independent answers, printed as JSON lines on stdout:
//   {"check":"adapter",...}  dawn.node's own adapter request (what `vulkaninfo` would tell, without needing it)
//   {"check":"webgpu-engine",...}  the project's selectBackend('webgpu') and the engine's gradient of a small LSTM
//   and Transformer against the tf-ops models, so "it started" also means "it computes the same numbers".
// Never throws for a missing GPU: the reason goes into the JSON line (ok: false).
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS, type ModelConfig } from '../../src/config/schema.ts';
import { selectBackend } from '../../src/models/backend.ts';
import { createGpuEngine, engineBatch, trainingPass } from '../../src/models/engineModel.ts';
import { createModel } from '../../src/models/model.ts';
import { flatLayout } from '../../src/models/params.ts';
import { batchLoss, lossDenominator, lossWeights } from '../../src/train/loss.ts';
import { syntheticBatch } from './lossCurve.ts';

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

/** The largest per-tensor gap between the engine's gradient and the tf-ops reference's, relative to the tensor's scale. */
async function gradientGap(type: 'lstm' | 'transformer'): Promise<{ relGap: number; dispatches: number }> {
  const cfg: ModelConfig = { ...DEFAULTS.model, type, hidden: 16, layers: 2, heads: 2, ff: 32, dropout: 0.1, trackBuckets: 64, trackEmbedding: 4, auxWeight: 0.3 };
  const model = createModel(cfg, 8, 1);
  const batch = syntheticBatch(4, 8, 1, 0);
  const reference = tf.variableGrads(() => batchLoss(model, batch, { training: true, dropoutSeed: 3 }).loss, [...model.weights.values()]);
  const weights = lossWeights(batch, 0);
  const engine = await createGpuEngine(model);
  const { grads } = await engine.gradients(engineBatch(batch, weights), trainingPass(model, 3, lossDenominator(weights)));
  let relGap = 0;
  for (const [name, { offset, size }] of flatLayout(model.weights)) {
    const want = (await reference.grads[model.weights.get(name)!.name].data()) as Float32Array;
    let gap = 0;
    let scale = 0;
    want.forEach((w, i) => {
      gap = Math.max(gap, Math.abs(grads[offset + i] - w));
      scale = Math.max(scale, Math.abs(w));
    });
    if (size > 0 && scale > 0) relGap = Math.max(relGap, gap / scale);
  }
  const dispatches = engine.dispatches;
  engine.destroy();
  tf.dispose([reference.value, ...Object.values(reference.grads)]);
  model.dispose();
  return { relGap, dispatches };
}

/** The project's selectBackend('webgpu'), then the engine's gradient of both models against the tf-ops models. */
async function probeEngine(): Promise<Record<string, unknown>> {
  try {
    const selected = await selectBackend('webgpu', () => {});
    const lstm = await gradientGap('lstm');
    const transformer = await gradientGap('transformer');
    // The unit tests' bound is 1e-4 of each tensor's scale; a probe on a new GPU gets some room before it says no.
    return { check: 'webgpu-engine', ok: Math.max(lstm.relGap, transformer.relGap) < 1e-3, backend: selected.name, lstm, transformer };
  } catch (e) {
    return { check: 'webgpu-engine', ok: false, reason: firstLine(e) };
  }
}

export async function runProbe(): Promise<void> {
  console.log(JSON.stringify({ check: 'runtime', node: process.version, platform: `${process.platform}-${process.arch}`, tfjs: tf.version.tfjs }));
  console.log(JSON.stringify(await probeAdapter()));
  console.log(JSON.stringify(await probeEngine()));
}

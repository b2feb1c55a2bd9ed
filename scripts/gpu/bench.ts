// `bench`: the trainer's own step (scripts/bench/trainer-step.ts) on each backend, webgpu first, for both models at
// the reference shape (H=64) at B=64, 512 and 4096 and at the shipped configs' shapes, then — with --torch PYTHON —
// the same models in PyTorch on CUDA (scripts/bench/peer_pytorch.py --device cuda: the bench's own peer, the device
// a flag). In one process (the device has no tsx to start the bench's child processes with). JSON lines on stdout.
//   bench [--backends webgpu,wasm] [--batches 64,512,4096] [--models lstm,transformer] [--budget-ms 1500] [--torch python3]
import type { Backend } from '../../src/config/schema.ts';
import { UserError } from '../../src/errors.ts';
import { isCpuAdapter, openedAdapter, openGpu } from '../../src/kernels/webgpu/device.ts';
import { selectBackend } from '../../src/models/backend.ts';
import { runPeer } from '../bench/peers.ts';
import { trainerRows, trainerShapes } from '../bench/trainer-step.ts';

/** Batches above this are left out on the CPU backends: seconds per step at B=4096. */
const CPU_MAX_BATCH = 512;

function options(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || args[i + 1] === undefined) throw new UserError(`bench: expected --option value pairs, got '${args.slice(i).join(' ')}'`);
    out[args[i].slice(2)] = args[i + 1];
  }
  return out;
}

export async function runGpuBench(args: string[]): Promise<void> {
  const o = options(args);
  const known = ['backends', 'batches', 'models', 'budget-ms', 'torch'];
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown) throw new UserError(`bench: unknown option --${unknown} (${known.map((k) => `--${k}`).join(', ')})`);
  const batches = (o.batches ?? '64,512,4096').split(',').map(Number);
  const models = (o.models ?? 'lstm,transformer').split(',');
  const budgetMs = Number(o['budget-ms'] ?? 1500);
  const emit = (row: object) => console.log(JSON.stringify(row));
  for (const backend of (o.backends ?? 'webgpu,wasm').split(',') as Backend[]) {
    let active: string;
    try {
      active = (await selectBackend(backend, () => {})).name;
    } catch (e) {
      emit({ step: 'unavailable', backend, reason: (e as Error).message });
      continue;
    }
    const gpu = active === 'webgpu' ? await openedAdapter() : null;
    const cpu = active === 'wasm' || active === 'cpu' || active === 'native';
    // A CPU adapter (a rehearsal on lavapipe) shows the dispatch counts; its speed says nothing.
    const maxBatch = cpu ? CPU_MAX_BATCH : gpu && isCpuAdapter(gpu) ? 64 : undefined;
    // One thread: gradient workers start from TypeScript files through tsx, which the bundle does not carry.
    // With shader-f16, each shape also with f16 activations (train.precision: f16).
    const precisions = gpu && (await openGpu()).f16 ? (['f32', 'f16'] as const) : (['f32'] as const);
    await trainerRows(active, { models, batches, workers: [1], budgetMs, maxBatch, adapter: gpu?.description, precisions }, emit);
  }
  if (!o.torch) return;
  for (const shape of trainerShapes(models, batches)) {
    const r = runPeer(o.torch, 'pytorch', shape, 1, budgetMs / 1000, 'cuda');
    emit('error' in r ? { step: 'peer-missing', peer: 'pytorch', device: 'cuda', config: shape.label, batch: shape.config.train.batchSize, reason: r.error } : { ...r, config: shape.label, backend: 'torch-cuda' });
    if ('error' in r) return; // no CUDA torch here: the other shapes would say the same
  }
}

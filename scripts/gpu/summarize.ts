// The numbers to report from a device run: for each model and batch size, our GPU (webgpu) ÷ our best CPU backend
// (wasm) and our GPU ÷ PyTorch on the same GPU, from the JSON lines that on-device.sh collected.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../src/errors.ts';

/** A throughput row as scripts/gpu/bench.ts prints it, ours and PyTorch's (other fields ignored). */
export interface ThroughputRow {
  model: string;
  /** The shape's label (trainer-step.ts): rows of one model and batch at other widths differ in it. */
  config?: string;
  backend: string;
  batch: number;
  seqPerSec: number;
  /** How webgpu stored activations (absent: f32). */
  precision?: string;
}

export interface Ratio {
  model: string;
  batch: number;
  webgpu: number | null;
  /** webgpu with f16 activations (train.precision: f16), where the GPU has shader-f16. */
  webgpuF16: number | null;
  wasm: number | null;
  torchCuda: number | null;
  /** webgpu ÷ wasm (null when either is missing). */
  gpuOverCpu: number | null;
  /** webgpu ÷ torch-cuda: how close our WebGPU engine gets to PyTorch on the same GPU. */
  gpuOverTorch: number | null;
}

const round = (x: number) => Number(x.toFixed(3));

export function throughputRatios(rows: readonly ThroughputRow[]): Ratio[] {
  const key = (model: string, batch: number) => `${model}\u0000${batch}`;
  const cells = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const k = key(r.config ?? r.model, r.batch);
    (cells.get(k) ?? cells.set(k, new Map()).get(k)!).set(r.precision === 'f16' ? `${r.backend}-f16` : r.backend, r.seqPerSec);
  }
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? round(a / b) : null);
  const out: Ratio[] = [];
  for (const [k, byBackend] of cells) {
    const [model, batch] = k.split('\u0000');
    const webgpu = byBackend.get('webgpu');
    const wasm = byBackend.get('wasm');
    const torchCuda = byBackend.get('torch-cuda');
    // Ratios only for the models both sides implement (the bench's extra LSTM variants have no torch twin).
    if (webgpu === undefined && torchCuda === undefined) continue;
    out.push({
      model,
      batch: Number(batch),
      webgpu: webgpu ?? null,
      webgpuF16: byBackend.get('webgpu-f16') ?? null,
      wasm: wasm ?? null,
      torchCuda: torchCuda ?? null,
      gpuOverCpu: ratio(webgpu, wasm),
      gpuOverTorch: ratio(webgpu, torchCuda),
    });
  }
  return out.sort((a, b) => a.model.localeCompare(b.model) || a.batch - b.batch);
}

/** Parses JSON lines, skipping blank and non-JSON lines (logs that slipped into stdout). */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      rows.push(JSON.parse(trimmed) as Record<string, unknown>);
    } catch {
      // a truncated last line (the run hit its time limit) is not an error worth failing the summary for
    }
  }
  return rows;
}

function isThroughputRow(r: Record<string, unknown>): r is Record<string, unknown> & ThroughputRow {
  return typeof r.model === 'string' && typeof r.backend === 'string' && typeof r.batch === 'number' && typeof r.seqPerSec === 'number';
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** `summarize <dir>`: reads probe/bench/loss-curve .jsonl from dir and prints one summary JSON object. */
export async function runSummarizeCli(args: string[]): Promise<void> {
  const dir = args[0];
  if (!dir) throw new UserError('summarize: give the folder holding the .jsonl files (usage: summarize <dir>)');
  const [probe, bench, curves] = await Promise.all(['probe.jsonl', 'bench.jsonl', 'lossCurve.jsonl'].map(async (f) => parseJsonLines(await readOptional(join(dir, f)))));
  const throughput = bench.filter((r) => r.step === 'trainer' || r.step === 'peer').filter(isThroughputRow);
  const summary = {
    probe,
    ratios: throughputRatios(throughput),
    lossCompare: curves.filter((r) => r.kind === 'loss-compare'),
    lossCurveFailures: curves.filter((r) => r.kind === 'loss-curve' && r.ok === false),
    dispatches: bench.filter((r) => r.step === 'trainer' && r.backend === 'webgpu').map((r) => ({ config: r.config, batch: r.batch, kernels: r.kernels, msPerStep: r.msPerStep })),
    rows: bench.length,
  };
  console.log(JSON.stringify(summary, null, 2));
}

// A GPU device for the WebGPU engine, opened through Dawn (the optional `webgpu` package, dawn.node), with the
// adapter's own limits (the engine's kernels need more storage per binding and per workgroup than WebGPU's
// defaults on big batches). Once per process: Dawn gives each device its own compiled shaders. Any validation,
// out-of-memory or device-lost error is recorded and thrown at the engine's next read (after such an error reads
// return wrong numbers silently).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../errors.ts';

/** A GPU error: the run must stop, its numbers cannot be trusted. */
export class GpuError extends UserError {}

/** The adapter the device was opened on, as Dawn describes it. */
export interface AdapterSummary {
  description: string;
  /** Dawn's own verdict that this is a CPU implementation (lavapipe, SwiftShader). */
  isFallbackAdapter: boolean;
  architecture: string;
}

/** Whether Vulkan's loader is installed (on Linux Dawn needs it, and without it only fails noisily). */
export function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

const PROBE = `
import(process.argv[1]).then(async ({ create }) => {
  const adapter = await create([]).requestAdapter().catch(() => null);
  const info = adapter?.info ?? {};
  process.stdout.write(JSON.stringify(adapter ? { description: info.description || info.device || info.vendor || 'unnamed adapter',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter), architecture: info.architecture ?? '' } : null));
  process.exit(0);
});`;

/**
 * Asks Dawn, in a child process, which adapter it would open. A child because Dawn writes warnings about some
 * adapters (e.g. "maxDynamicUniformBuffersPerPipelineLayout artificially reduced") straight to the native stderr,
 * which Node cannot silence; `auto` thus learns about a CPU-only adapter without printing them. Null: no adapter.
 */
export function probeAdapter(): AdapterSummary | null {
  // The package is resolved here: the child's `-e` code would resolve it from the working directory.
  const dawn = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, dawn], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`the WebGPU adapter probe failed (${(r.stderr || r.error?.message || 'no output').trim().split('\n').pop()})`);
  return JSON.parse(r.stdout) as AdapterSummary | null;
}

/** True for CPU implementations of WebGPU/Vulkan: `auto` never picks them (they are far slower than the CPU backends). */
export function isCpuAdapter(a: AdapterSummary): boolean {
  return a.isFallbackAdapter || /software|cpu/i.test(a.architecture) || /llvmpipe|lavapipe|swiftshader/i.test(a.description);
}

export interface Gpu {
  device: GPUDevice;
  adapter: AdapterSummary;
  /** Whether the device took `shader-f16` (f16 arithmetic and storage in shaders). */
  f16: boolean;
}

const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

let opened: Promise<Gpu> | null = null;
let failure: string | null = null;
/** Dawn's instance: when it is garbage-collected, its devices die with it (a crash in Dawn's threads). */
let instance: GPU | null = null;

/** The process's GPU device (opened on the first call). */
export function openGpu(): Promise<Gpu> {
  opened ??= open();
  return opened;
}

/** The adapter of the device opened in this process, or null before openGpu. */
export async function openedAdapter(): Promise<AdapterSummary | null> {
  return opened ? (await opened).adapter : null;
}

async function open(): Promise<Gpu> {
  const dawn = (await import('webgpu' as string)) as { create(flags: string[]): GPU; globals: object };
  // The GPU* constants (GPUBufferUsage, GPUMapMode, …) the engine uses.
  Object.assign(globalThis, dawn.globals);
  instance = dawn.create([]);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuError('no GPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const key of RAISED_LIMITS) requiredLimits[key] = adapter.limits[key];
  const f16 = adapter.features.has('shader-f16');
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: f16 ? ['shader-f16'] : [] });
  device.addEventListener('uncapturederror', (event) => {
    failure ??= (event as GPUUncapturedErrorEvent).error.message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') failure ??= `device lost: ${info.message}`;
  });
  const info = adapter.info;
  return {
    device,
    adapter: { description: info.description || info.device || info.vendor, isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter), architecture: info.architecture },
    f16,
  };
}

/** Throws the first GPU error seen since the device was opened. */
export function assertGpuHealthy(): void {
  if (failure) throw new GpuError(`WebGPU device error, stopping (numbers after it cannot be trusted): ${failure}`);
}

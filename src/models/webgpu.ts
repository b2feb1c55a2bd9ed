// Opens a GPU through Dawn (the optional 'webgpu' package, dawn.node) and registers it as tfjs's 'webgpu' backend.
//
// Why not tfjs-backend-webgpu's own registration: it asks for the default limits, and its AddN and other kernels
// then bind more storage buffers than the default 8 (a validation error). We request the device ourselves with the
// adapter's own limits, wrap it in the backend's WebGPUBackend and register it under the name 'webgpu', where
// the kernels live. Any validation, out-of-memory or device-lost error is recorded and turned into a thrown
// GpuError at the next read (readTensor), because after such an error reads silently return wrong numbers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

/** A GPU error: the run must stop, its numbers cannot be trusted. */
export class GpuError extends UserError {}

/** What Dawn says about the adapter it would use. */
export interface AdapterSummary {
  description: string;
  /** Dawn's own verdict that this is a CPU implementation (lavapipe, SwiftShader). */
  isFallbackAdapter: boolean;
  architecture: string;
}

let failure: string | null = null;
let opened: AdapterSummary | null = null;

/** Throws the first GPU error seen since the backend was opened (a no-op on other backends). */
export function assertGpuHealthy(): void {
  if (failure) throw new GpuError(`WebGPU device error, stopping (numbers after it cannot be trusted): ${failure}`);
}

/** Values of a tensor, read without blocking (WebGPU in Node has no synchronous read); checks for GPU errors. */
export async function readTensor(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  assertGpuHealthy();
  return values;
}

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

// The limits tfjs-backend-webgpu's kernels can use beyond WebGPU's defaults (its own registration asks for the
// first six; AddN, concat and fused kernels also bind more storage buffers than the default 8).
const RAISED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

// The few parts of the WebGPU API used here (the project does not load the DOM/WebGPU type libraries).
interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  lost: Promise<{ reason: string; message: string }>;
}
interface GpuAdapter {
  info: GpuAdapterInfo;
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(descriptor: { requiredLimits: Record<string, number>; requiredFeatures: string[] }): Promise<GpuDevice>;
}
interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference: string }): Promise<GpuAdapter | null> };
  globals: object;
}

/** The adapter the webgpu backend runs on in this process (null before it is opened). */
export function openedAdapter(): AdapterSummary | null {
  return opened;
}

/** Opens the adapter, requests a device with the limits above and makes it tfjs's 'webgpu' backend (not active yet). */
export async function registerWebGpuBackend(): Promise<AdapterSummary> {
  // Once per process: a second device would lose the first one's compiled shaders.
  if (opened) return opened;
  const dawn = (await import('webgpu' as string)) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) throw new Error('no GPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const key of RAISED_LIMITS) requiredLimits[key] = adapter.limits[key];
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  failure = null;
  device.addEventListener('uncapturederror', (event) => {
    failure ??= event.error.message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') failure ??= `device lost: ${info.message}`;
  });
  // The backend package registers itself at import time only when navigator.gpu exists; Node ≥ 21 defines a
  // read-only navigator, so redefine rather than assign.
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu }, configurable: true, writable: true });
  const { WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu' as string)) as {
    WebGPUBackend: new (device: GpuDevice, info?: GpuAdapterInfo) => tf.KernelBackend;
  };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
  const info = adapter.info;
  opened = { description: info.description || info.device || info.vendor, isFallbackAdapter: Boolean(info.isFallbackAdapter), architecture: info.architecture };
  return opened;
}

// What every kernel of the WebGPU engine shares: the one bind group (engine.ts binds it once per step) and the
// small functions several kernels call. Buffers:
//   state  f32: the parameters, Adam's m and v, the gradient, the step statistics (one flat layout, engine.ts)
//   act    `Act`: every activation of a step and its gradient (f32, or f16 under train.precision: f16 — the
//          engine puts `activationType` before every kernel); kernels read and write it through getAct/setAct,
//          so the arithmetic stays f32 whatever the storage
//   io     f32: the batch, the head's logits, and the partial sums that must not round (split products, the
//          loss's and the gradient norm's partials)
//   ints   the batch's track keys, the embedding gradient's segments, the optimizer's chunk table
//   u      this dispatch's arguments (a dynamic offset into one uniform buffer)
// Kernels name a buffer by number where an operand can live in any: 0 = state, 1 = act, 2 = io.

import type { Precision } from '../../engine.ts';

/** A kernel's arguments: their names in the order of its uniform struct (u32 each, but the `floats`). */
export interface KernelArgs {
  names: readonly string[];
  floats?: readonly string[];
}

/** The bindings and helpers, and the kernel's `Args` struct. */
export function prelude(args: KernelArgs): string {
  const fields = args.names.map((n) => `${n}: ${args.floats?.includes(n) ? 'f32' : 'u32'},`).join(' ');
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> state: array<f32>;
@group(0) @binding(1) var<storage, read_write> act: array<Act>;
@group(0) @binding(2) var<storage, read> ints: array<i32>;
struct Args { ${fields} }
@group(0) @binding(3) var<uniform> u: Args;
@group(0) @binding(4) var<storage, read_write> io: array<f32>;

fn load(buf: u32, i: u32) -> f32 {
  if (buf == 0u) { return state[i]; }
  if (buf == 1u) { return getAct(i); }
  return io[i];
}

fn store(buf: u32, i: u32, v: f32) {
  if (buf == 0u) { state[i] = v; } else if (buf == 1u) { setAct(i, v); } else { io[i] = v; }
}

// kernels/dropoutMask.ts's rule: element k of a site is kept iff (mix32(key + k·0x9e3779b9) >> 8) ≥ threshold,
// where key = mix32(seed) (the host passes the key).
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

fn dropoutFactor(key: u32, index: u32, threshold: u32, scale: f32) -> f32 {
  return select(0.0, scale, (mix32(key + index * 0x9e3779b9u) >> 8u) >= threshold);
}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

// Some drivers compute tanh through exp and return NaN for large |x|; tanh(±15) is ±1 in f32 already.
fn tanhSafe(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
`;
}

/**
 * How activations are stored, as a kernel's first lines (WGSL wants `enable` before anything else). An f32 beyond
 * f16's range converts to an indeterminate value: stores saturate at ±65504 instead (the loss scale keeps
 * gradients far from it, engine.ts).
 */
export function activationType(precision: Precision): string {
  if (precision === 'f32') return 'alias Act = f32;\nfn getAct(i: u32) -> f32 { return act[i]; }\nfn setAct(i: u32, v: f32) { act[i] = v; }\n';
  return 'enable f16;\nalias Act = f16;\nfn getAct(i: u32) -> f32 { return f32(act[i]); }\nfn setAct(i: u32, v: f32) { act[i] = f16(clamp(v, -65504.0, 65504.0)); }\n';
}

/** Workgroups of one dimension at most (WebGPU's guaranteed maxComputeWorkgroupsPerDimension): kernels loop past it. */
export const MAX_GROUPS = 65535;

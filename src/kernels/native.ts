// The native CPU engine (C sources in ./native, built into build/Release/skiptrain.node by `npm install` or
// `npm run build:native`): loading it, and its functions with the TypeScript types of their flat buffers.
// Every call into it is counted (nativeCalls), which is what the bench reports as kernels per step.
import { loadAddon } from '../util/nativeAddon.ts';
import type { EngineBatch, EngineLayout, EngineShape, OptimizerValues, PassValues, StepValues } from './engine.ts';

/** An engine instance inside the addon (an opaque handle; freed when garbage-collected). */
export type EngineHandle = { readonly __engine: unique symbol };

interface Addon {
  createEngine(shape: Int32Array, layout: Float64Array, decay: Uint8Array, threads: number): EngineHandle;
  trainStep(e: EngineHandle, params: Float32Array, batch: EngineBatch, pass: Float64Array, seeds: Uint32Array, m: Float32Array, v: Float32Array, optimizer: Float64Array, out: Float64Array): void;
  gradients(e: EngineHandle, params: Float32Array, batch: EngineBatch, pass: Float64Array, seeds: Uint32Array, grads: Float32Array, out: Float64Array): void;
  logits(e: EngineHandle, params: Float32Array, batch: EngineBatch, out: Float32Array): void;
  dropout(e: EngineHandle, x: Float32Array, first: number, seed: number, threshold: number, scale: number): void;
  isa(e: EngineHandle): string;
  phases(e: EngineHandle, out: Float64Array): void;
}

/** Where a native step's time goes (native/model.h, engine_phases): the model's parts forward + backward, then the update. */
export const NATIVE_PHASES = ['pack', 'encoder', 'body', 'loss', 'reduce', 'optimizer'] as const;

/** The engine's functions of the addon (util/nativeAddon.ts), or why it cannot be used. */
export function loadNative(): { addon: Addon } | { reason: string } {
  return loadAddon() as { addon: Addon } | { reason: string };
}

function addon(): Addon {
  const n = loadNative();
  if ('reason' in n) throw new Error(n.reason);
  return n.addon;
}

let calls = 0;
/** Calls into the native engine so far in this process. */
export function nativeCalls(): number {
  return calls;
}

/** One skip model inside the native engine: flat buffers in, results out, nothing kept but scratch. */
export class NativeEngine {
  private readonly handle: EngineHandle;
  /** loss, correct, count, gradNorm, then the four auxiliary losses (addon.c, put_stats). */
  private readonly out = new Float64Array(8);
  private readonly noDropSeeds: Uint32Array;

  constructor(
    readonly shape: EngineShape,
    readonly layout: EngineLayout,
    readonly threads: number,
    /** Dropout sites of the model (PassValues.dropout.seeds has one seed each). */
    sites: number,
  ) {
    const s = shape;
    const dims = Int32Array.of(s.kind === 'lstm' ? 0 : 1, s.cell === 'lstm' ? 0 : 1, s.features, s.hidden, s.layers, s.outputs, s.buckets, s.embed, s.heads, s.ff, s.maxLen);
    calls++;
    this.handle = addon().createEngine(dims, Float64Array.from([layout.total, ...layout.offsets]), Uint8Array.from(layout.decay, Number), threads);
    this.noDropSeeds = new Uint32Array(sites);
  }

  /** 'avx2' or 'generic': the instruction set the engine chose. */
  get isa(): string {
    return addon().isa(this.handle);
  }

  private pass(p: PassValues): [Float64Array, Uint32Array] {
    const d = p.dropout;
    return [Float64Array.of(...p.auxWeights, p.denominator, d ? d.scale : 0, d ? d.threshold : 0), d ? d.seeds : this.noDropSeeds];
  }

  private stats(): StepValues {
    const [loss, correct, count, gradNorm, ...auxLosses] = this.out;
    return { loss, correct, count, gradNorm, auxLosses };
  }

  /** Forward, backward, clipping and the Adam update of params, m and v in place: one call. */
  trainStep(params: Float32Array, m: Float32Array, v: Float32Array, batch: EngineBatch, pass: PassValues, o: OptimizerValues): StepValues {
    const [passArray, seeds] = this.pass(pass);
    const opt = Float64Array.of(o.lr, o.beta1, o.beta2, o.epsilon, o.weightDecay, o.clipNorm, o.step);
    calls++;
    addon().trainStep(this.handle, params, batch, passArray, seeds, m, v, opt, this.out);
    return this.stats();
  }

  /** The gradient of the loss (before clipping) in the parameter layout; gradNorm is its global norm. */
  gradients(params: Float32Array, batch: EngineBatch, pass: PassValues, grads: Float32Array): StepValues {
    const [passArray, seeds] = this.pass(pass);
    calls++;
    addon().gradients(this.handle, params, batch, passArray, seeds, grads, this.out);
    return this.stats();
  }

  /** The main logit of every position, [size·seqLen], without dropout. */
  logits(params: Float32Array, batch: EngineBatch): Float32Array {
    const out = new Float32Array(batch.size * batch.seqLen);
    calls++;
    addon().logits(this.handle, params, batch, out);
    return out;
  }

  /**
   * Milliseconds per phase since the last call: packing the weights; the encoder with the track embedding, the
   * body (the LSTM recurrence, or the Transformer's blocks), the heads with the losses (forward + backward, the
   * first thread's slice); the gradient sum with the embedding scatter; clipping + Adam. Not counted as a call.
   */
  phases(): Record<(typeof NATIVE_PHASES)[number], number> {
    const out = new Float64Array(NATIVE_PHASES.length);
    addon().phases(this.handle, out);
    return Object.fromEntries(NATIVE_PHASES.map((name, i) => [name, out[i]])) as Record<(typeof NATIVE_PHASES)[number], number>;
  }

  /** x ⊙= the dropout mask of elements first … of a site (to check it against dropoutMask.ts). */
  dropout(x: Float32Array, first: number, seed: number, threshold: number, scale: number): void {
    calls++;
    addon().dropout(this.handle, x, first, seed, threshold, scale);
  }
}

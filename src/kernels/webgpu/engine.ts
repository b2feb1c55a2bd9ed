// The WebGPU engine (the C engine's twin, engine.c): one training step as one command buffer of a few tens of
// dispatches over flat GPU buffers — the batch uploaded, forward, loss, backward, global-norm clipping and Adam —
// with nothing read back inside a step. Its statistics [loss, correct, count, norm, auxiliary losses] go into a ring of slots in
// the state buffer and are read when the caller asks (the trainer: once per log interval). The parameters and
// Adam's moments live on the device between steps; readState/writeState move them to and from the model.
//   state: [params | Adam m | Adam v | gradient | statistics ring]   (P floats each, then STATS_SLOT per slot)
//   act:   the activations and their gradients (scratch.ts), f32 or f16 (train.precision)
//   io:    the batch, the logits, partial sums (f32)                 ints: chunk table, keys, embedding segments
// With f16 activations the loss's gradient is scaled by a power of two near the batch's loss denominator, so
// that the gradient at the heads is of order 1 (f16 keeps ~3 digits from 6e-5 to 65504; unscaled, a gradient of
// 1/denominator and what backpropagates from it would sit at the bottom of that range or under it); the
// optimizer divides it out, exactly.
import type { EngineBatch, EngineLayout, EngineShape, OptimizerValues, PassValues, Precision, StepValues } from '../engine.ts';
import { assertGpuHealthy, GpuError, type Gpu } from './device.ts';
import { ARGS_STRIDE, bindGroupLayout, compileKernels, recurrentMaxRows, recurrentRows, type Kernel, type KernelName } from './kernels.ts';
import { Program, type Dispatch, type TensorAt } from './program.ts';
import { recurrentBackward, recurrentForward } from './recurrentProgram.ts';
import { chunkTable, planScratch, type Scratch } from './scratch.ts';
import { transformerBackward, transformerForward } from './transformerProgram.ts';
import { STATS_SLOT } from './wgsl/adam.ts';
import { LOSS_GROUP } from './wgsl/loss.ts';

/** Steps whose statistics can wait unread: a slot is reused after this many steps. */
export const STATS_SLOTS = 4096;

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/**
 * Tensors whose gradient one product writes with the tensor stored right after them: weights and their bias (the
 * gradient's extra row is the bias's, program.ts), and the GRU's bx with bh (recurrentProgram.ts).
 */
function storedTogether(layout: EngineLayout): [string, string][] {
  const next = (name: string): string | null => {
    if (name === 'input.w') return 'input.b';
    if (name === 'head.w') return 'head.b';
    if (/^lstm\.\d+\.wh$/.test(name)) return name.replace(/wh$/, 'b');
    if (/^gru\.\d+\.bx$/.test(name)) return name.replace(/bx$/, 'bh');
    return /\.(wqkv|wo|w1|w2)$/.test(name) ? name.replace(/\.w(qkv|o|1|2)$/, '.b$1') : null;
  };
  return layout.names.flatMap((name): [string, string][] => {
    const after = next(name);
    return after ? [[name, after]] : [];
  }).filter(([w]) => layout.offsets[layout.names.indexOf(w)] >= 0);
}

export class GpuEngine {
  /** Dispatches the last step (or pass) ran: what the bench reports as kernels per step. */
  dispatches = 0;
  private steps = 0;
  private act: GPUBuffer | null = null;
  private io: GPUBuffer | null = null;
  private ints: GPUBuffer | null = null;
  private uniforms: GPUBuffer | null = null;
  private bindGroup: GPUBindGroup | null = null;
  private readonly counts: Int32Array;
  /** The errors of the work submitted since the last read (error scopes, resolved as the device gets to them). */
  private checks: Promise<GPUError | null>[] = [];

  private constructor(
    private readonly gpu: Gpu,
    readonly shape: EngineShape,
    private readonly kernels: Map<KernelName, Kernel>,
    private readonly layoutGroup: GPUBindGroupLayout,
    private readonly state: GPUBuffer,
    private readonly offsets: Map<string, number>,
    readonly parameters: number,
    private readonly chunks: Int32Array,
    /** How activations are stored. */
    readonly precision: Precision,
  ) {
    this.counts = new Int32Array(Math.max(1, shape.buckets));
  }

  /**
   * An engine for `shape` whose parameter vector is laid out as `layout` says (models/engineModel.ts), its
   * activations stored as `precision` says (f16 needs the device's shader-f16).
   */
  static async create(gpu: Gpu, shape: EngineShape, layout: EngineLayout, precision: Precision = 'f32'): Promise<GpuEngine> {
    if (precision === 'f16' && !gpu.f16) throw new GpuError(`train.precision: f16 needs a GPU with shader-f16; ${gpu.adapter.description} has none (use f32)`);
    const offsets = new Map(layout.names.map((name, i) => [name, layout.offsets[i]]));
    const sizes = new Map<string, number>();
    const present = layout.names.map((name, i) => ({ name, offset: layout.offsets[i], decay: layout.decay[i] })).filter((t) => t.offset >= 0).sort((a, b) => a.offset - b.offset);
    present.forEach((t, i) => sizes.set(t.name, (i + 1 < present.length ? present[i + 1].offset : layout.total) - t.offset));
    for (const [w, b] of storedTogether(layout)) {
      if (offsets.get(b) !== offsets.get(w)! + sizes.get(w)!) throw new Error(`the WebGPU engine needs ${b} stored right after ${w}`);
    }
    if (shape.kind === 'transformer') {
      const dh = shape.hidden / shape.heads;
      const bytes = 4 * (4 * shape.maxLen * dh + 2 * shape.maxLen * shape.maxLen);
      if (bytes > gpu.device.limits.maxComputeWorkgroupStorageSize) {
        throw new GpuError(`the Transformer's attention needs ${bytes} bytes of workgroup memory per head (width ${dh}); this GPU allows ${gpu.device.limits.maxComputeWorkgroupStorageSize}`);
      }
    }
    const group = bindGroupLayout(gpu.device);
    const kernels = await compileKernels(gpu.device, group, shape, precision);
    const P = layout.total;
    const stateBytes = 4 * (4 * P + STATS_SLOT * STATS_SLOTS);
    if (stateBytes > gpu.device.limits.maxStorageBufferBindingSize) throw new GpuError(`the model's parameters, Adam's moments and gradient need ${stateBytes} bytes; this GPU binds at most ${gpu.device.limits.maxStorageBufferBindingSize}`);
    const state = gpu.device.createBuffer({ size: stateBytes, usage: STORAGE(), label: 'state' });
    const chunks = chunkTable(present.filter((t) => sizes.get(t.name)! > 0).map((t) => ({ offset: t.offset, size: sizes.get(t.name)!, decay: t.decay })));
    return new GpuEngine(gpu, shape, kernels, group, state, offsets, P, chunks, precision);
  }

  private get device(): GPUDevice {
    return this.gpu.device;
  }

  private tensor = (name: string): TensorAt => {
    const offset = this.offsets.get(name);
    if (offset === undefined || offset < 0) throw new Error(`the WebGPU engine has no tensor ${name}`);
    return { param: offset, grad: 3 * this.parameters + offset };
  };

  /** The parameters (and Adam's moments, zeros when not given) become the engine's. */
  writeState(params: Float32Array, m?: Float32Array, v?: Float32Array): void {
    const P = this.parameters;
    if (params.length !== P) throw new TypeError(`params: ${params.length} values for ${P} parameters`);
    const q = this.device.queue;
    q.writeBuffer(this.state, 0, params);
    q.writeBuffer(this.state, 4 * P, m ?? new Float32Array(P));
    q.writeBuffer(this.state, 8 * P, v ?? new Float32Array(P));
  }

  async readState(): Promise<{ params: Float32Array; m: Float32Array; v: Float32Array }> {
    const P = this.parameters;
    const all = await this.read(this.state, 0, 3 * P);
    return { params: all.slice(0, P), m: all.slice(P, 2 * P), v: all.slice(2 * P) };
  }

  /** One training step, submitted; returns the slot its statistics will be in (readStats). */
  trainStep(batch: EngineBatch, pass: PassValues, opt: OptimizerValues): number {
    const slot = this.steps++ % STATS_SLOTS;
    this.guarded(() => this.submit(this.encode(batch, 'train', pass, opt, slot)));
    return slot;
  }

  /** The statistics of the step that used `slot` (waits for the device). */
  async readStats(slot: number): Promise<StepValues> {
    const [loss, correct, count, gradNorm, ...auxLosses] = await this.read(this.state, 4 * this.parameters + STATS_SLOT * slot, STATS_SLOT);
    return { loss, correct, count, gradNorm, auxLosses };
  }

  /** The gradient of the loss (before clipping) in the parameter layout, and the pass's statistics. */
  async gradients(batch: EngineBatch, pass: PassValues): Promise<{ grads: Float32Array; stats: StepValues }> {
    const slot = this.steps++ % STATS_SLOTS;
    this.guarded(() => this.submit(this.encode(batch, 'gradients', pass, null, slot)));
    const grads = await this.read(this.state, 3 * this.parameters, this.parameters);
    const unscale = 1 / this.lossScale(pass);
    return { grads: unscale === 1 ? grads : grads.map((g) => g * unscale), stats: await this.readStats(slot) };
  }

  /** The factor on the loss's gradient: 1, or with f16 activations the power of two nearest the denominator. */
  private lossScale(pass: PassValues | null): number {
    if (this.precision === 'f32' || !pass) return 1;
    return 2 ** Math.max(0, Math.round(Math.log2(pass.denominator)));
  }

  /** Bytes of the activation buffer for the last batch (the bench's figure of what f16 saves). */
  get activationBytes(): number {
    return this.act?.size ?? 0;
  }

  /** The main logit of every position, [size·seqLen], without dropout. */
  async logits(batch: EngineBatch): Promise<Float32Array> {
    const at = this.encodeLogits(batch);
    const out = await this.read(this.io!, at.out, at.N * this.shape.outputs);
    const O = this.shape.outputs;
    return O === 1 ? out : out.filter((_, i) => i % O === 0);
  }

  /** Resolves when the work submitted so far has finished. */
  done(): Promise<undefined> {
    return this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    for (const b of [this.state, this.act, this.io, this.ints, this.uniforms]) b?.destroy();
  }

  private encodeLogits(batch: EngineBatch): Scratch {
    return this.guarded(() => {
      const { at, dispatches } = this.prepare(batch, null, 'logits');
      this.submit(this.record(dispatches, false));
      return at;
    });
  }

  /** Runs `work` inside validation and out-of-memory error scopes; the next read throws what they caught. */
  private guarded<T>(work: () => T): T {
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      return work();
    } finally {
      this.checks.push(device.popErrorScope(), device.popErrorScope());
    }
  }

  private encode(batch: EngineBatch, mode: 'train' | 'gradients', pass: PassValues, opt: OptimizerValues | null, slot: number): GPUCommandBuffer {
    const { at, dispatches, program } = this.prepare(batch, pass, mode);
    const P = this.parameters;
    const chunks = this.chunks.length / 3;
    const groups = Math.min(chunks, 65535);
    program.run('sumSquares', { chunks, chunksOff: 0, gOff: 3 * P, sqOff: at.squares }, groups);
    const o = opt ?? { lr: 0, beta1: 0, beta2: 0, epsilon: 0, weightDecay: 0, clipNorm: 0, step: 1 };
    program.run(
      'adam',
      {
        chunks,
        chunksOff: 0,
        pOff: 0,
        mOff: P,
        vOff: 2 * P,
        gOff: 3 * P,
        sqOff: at.squares,
        lossParts: Math.ceil(at.N / LOSS_GROUP),
        lossOff: at.lossParts,
        statsOff: 4 * P + STATS_SLOT * slot,
        update: mode === 'train' ? 1 : 0,
        lr: o.lr,
        beta1: o.beta1,
        beta2: o.beta2,
        oneMinusBeta1: 1 - o.beta1,
        oneMinusBeta2: 1 - o.beta2,
        correction1: 1 - Math.pow(o.beta1, o.step),
        correction2: 1 - Math.pow(o.beta2, o.step),
        epsilon: o.epsilon,
        decayLr: o.lr * o.weightDecay,
        clipNorm: o.clipNorm,
        auxWeight0: pass.auxWeights[0],
        auxWeight1: pass.auxWeights[1],
        auxWeight2: pass.auxWeights[2],
        auxWeight3: pass.auxWeights[3],
        denominator: pass.denominator,
        unscale: 1 / program.lossScale,
      },
      mode === 'train' ? groups : 1,
    );
    return this.record(dispatches, true);
  }

  /** Uploads the batch and writes the pass's dispatches (forward; with a pass, the loss and backward too). */
  private prepare(batch: EngineBatch, pass: PassValues | null, mode: 'train' | 'gradients' | 'logits'): { at: Scratch; dispatches: Dispatch[]; program: Program } {
    const s = this.shape;
    const B = batch.size;
    const T = batch.seqLen;
    if (s.kind === 'transformer' && T > s.maxLen) throw new TypeError(`batch: seqLen ${T} exceeds the Transformer's positional table (${s.maxLen})`);
    const at = planScratch(s, B, T, this.chunks.length / 3);
    this.reserve(at);
    const segments = this.upload(batch, at, mode !== 'logits');
    const program = new Program(s, at, this.tensor, pass, segments, recurrentRows(B, recurrentMaxRows(s, this.device.limits.maxComputeWorkgroupStorageSize)), this.lossScale(pass));
    const forward = s.kind === 'lstm' ? recurrentForward : transformerForward;
    forward(program);
    if (mode !== 'logits') (s.kind === 'lstm' ? recurrentBackward : transformerBackward)(program);
    return { at, dispatches: program.dispatches, program };
  }

  /** Grows the activation, batch, integer and argument buffers to fit `at` (a new bind group when any grows). */
  private reserve(at: Scratch): void {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const actBytes = (this.precision === 'f16' ? 2 : 4) * at.total;
    for (const [bytes, what] of [[actBytes, 'activations'], [4 * at.ioTotal, 'batch arrays']] as const) {
      if (bytes > limit) throw new GpuError(`a batch of ${at.B} sequences needs ${bytes} bytes of ${what}; this GPU binds at most ${limit}: lower train.batchSize`);
    }
    let grown = false;
    const grow = (buffer: GPUBuffer | null, bytes: number, usage: number, label: string): GPUBuffer => {
      if (buffer && buffer.size >= bytes) return buffer;
      buffer?.destroy();
      grown = true;
      // A quarter to spare for the next larger batch, but never past what one binding takes (the whole buffer is bound).
      return this.device.createBuffer({ size: Math.max(bytes, Math.min(Math.ceil((bytes * 1.25) / 256) * 256, Math.floor(limit / 4) * 4)), usage, label });
    };
    this.act = grow(this.act, actBytes, STORAGE(), 'act');
    this.io = grow(this.io, 4 * at.ioTotal, STORAGE(), 'io');
    this.ints = grow(this.ints, 4 * at.intsTotal, STORAGE(), 'ints');
    // Arguments for every dispatch of the largest program (a Transformer step of many layers is a few hundred).
    this.uniforms = grow(this.uniforms, ARGS_STRIDE * (64 + 40 * this.shape.layers), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'args');
    if (grown || !this.bindGroup) {
      this.device.queue.writeBuffer(this.ints!, 0, this.chunks);
      this.bindGroup = this.device.createBindGroup({
        layout: this.layoutGroup,
        entries: [
          { binding: 0, resource: { buffer: this.state } },
          { binding: 1, resource: { buffer: this.act } },
          { binding: 2, resource: { buffer: this.ints } },
          { binding: 3, resource: { buffer: this.uniforms, size: ARGS_STRIDE } },
          { binding: 4, resource: { buffer: this.io } },
        ],
      });
    }
  }

  /** Writes the batch's arrays; for training, the embedding gradient's segments. Returns the segment count. */
  private upload(batch: EngineBatch, at: Scratch, training: boolean): number {
    const q = this.device.queue;
    const io = this.io!;
    const N = at.N;
    const need = (name: string, a: ArrayLike<number> | undefined, n: number): ArrayLike<number> => {
      if (!a || a.length !== n) throw new TypeError(`batch.${name}: ${n} values expected, got ${a?.length ?? 'none'}`);
      return a;
    };
    const put = (offset: number, a: Float32Array) => q.writeBuffer(io, 4 * offset, a);
    put(at.inputs, need('inputs', batch.inputs, N * this.shape.features) as Float32Array);
    q.writeBuffer(this.ints!, 4 * at.keys, need('trackIndex', batch.trackIndex, N) as Int32Array);
    if (this.shape.kind === 'transformer') put(at.present, need('present', batch.present, N) as Float32Array);
    if (!training) return 0;
    put(at.labels, need('labels', batch.labels, N) as Float32Array);
    put(at.auxLabels, need('auxLabels', batch.auxLabels, 4 * N) as Float32Array);
    put(at.weights, need('weights', batch.weights, N) as Float32Array);
    put(at.scored, need('scored', batch.scored, N) as Float32Array);
    if (this.shape.buckets === 0) return 0;
    // The positions of each bucket in position order (a counting sort): the scatter kernel's segments.
    const buckets = this.shape.buckets;
    const counts = this.counts;
    const keys = batch.trackIndex;
    const used: number[] = [];
    for (let r = 0; r < N; r++) {
      if (keys[r] < 0) continue;
      const b = keys[r] % buckets;
      if (counts[b]++ === 0) used.push(b);
    }
    const starts = new Int32Array(used.length + 1);
    const slot = new Map<number, number>();
    used.forEach((b, i) => {
      starts[i + 1] = starts[i] + counts[b];
      slot.set(b, starts[i]);
      counts[b] = 0;
    });
    const positions = new Int32Array(starts[used.length]);
    for (let r = 0; r < N; r++) {
      if (keys[r] < 0) continue;
      const b = keys[r] % buckets;
      const at = slot.get(b)!;
      positions[at] = r;
      slot.set(b, at + 1);
    }
    q.writeBuffer(this.ints!, 4 * at.segmentStarts, starts);
    q.writeBuffer(this.ints!, 4 * at.segmentPositions, positions);
    q.writeBuffer(this.ints!, 4 * at.segmentBuckets, Int32Array.from(used));
    return used.length;
  }

  /** One compute pass of all dispatches (the gradient cleared first when `clear`), their arguments written. */
  private record(dispatches: Dispatch[], clear: boolean): GPUCommandBuffer {
    const bytes = new ArrayBuffer(ARGS_STRIDE * dispatches.length);
    dispatches.forEach((d, k) => {
      const kernel = this.kernels.get(d.kernel)!;
      const u = new Uint32Array(bytes, k * ARGS_STRIDE, ARGS_STRIDE / 4);
      const f = new Float32Array(bytes, k * ARGS_STRIDE, ARGS_STRIDE / 4);
      kernel.args.names.forEach((name, i) => {
        const value = d.args[name];
        if (value === undefined) throw new Error(`WebGPU engine: kernel ${d.kernel} lacks argument ${name}`);
        if (kernel.args.floats?.includes(name)) f[i] = value;
        else u[i] = value;
      });
    });
    if (bytes.byteLength > this.uniforms!.size) throw new Error(`WebGPU engine: ${dispatches.length} dispatches exceed the argument buffer`);
    this.device.queue.writeBuffer(this.uniforms!, 0, bytes);
    const encoder = this.device.createCommandEncoder();
    if (clear) encoder.clearBuffer(this.state, 12 * this.parameters, 4 * this.parameters);
    const pass = encoder.beginComputePass();
    dispatches.forEach((d, k) => {
      pass.setPipeline(this.kernels.get(d.kernel)!.pipeline);
      pass.setBindGroup(0, this.bindGroup!, [k * ARGS_STRIDE]);
      pass.dispatchWorkgroups(...d.groups);
    });
    pass.end();
    this.dispatches = dispatches.length;
    return encoder.finish();
  }

  private submit(commands: GPUCommandBuffer): void {
    this.device.queue.submit([commands]);
  }

  /** `count` floats of `buffer` from element `offset` (waits for the work submitted before). */
  private async read(buffer: GPUBuffer, offset: number, count: number): Promise<Float32Array> {
    const staging = this.guarded(() => {
      const staging = this.device.createBuffer({ size: Math.max(4, 4 * count), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 4 * offset, staging, 0, 4 * count);
      this.device.queue.submit([encoder.finish()]);
      return staging;
    });
    try {
      const checks = this.checks;
      this.checks = [];
      const mapped = staging.mapAsync(GPUMapMode.READ).then(
        () => null,
        (e: Error) => e,
      );
      const error = (await Promise.all(checks)).find((e) => e !== null);
      if (error) throw new GpuError(`WebGPU device error, stopping (numbers after it cannot be trusted): ${error.message.split('\n')[0]}`);
      const failed = await mapped;
      assertGpuHealthy();
      if (failed) throw new GpuError(`WebGPU device error, stopping: reading back failed (${failed.message})`);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }
}

// Faster Slice / SplitV / Unpack kernels for the tfjs-wasm and tfjs-cpu backends, installed through tfjs's public
// kernel registry (tf.registerKernel).
//
// Why: tfjs-backend-wasm 4.22 implements these three in JavaScript on top of `backend.readSync(x)`, which COPIES THE
// WHOLE INPUT out of the wasm heap for every output. Taking step t of a [64, 20, 256] tensor therefore copies all
// 1.3 MB to return 64 KB, and unstacking it costs ~16 ms — more than the rest of an LSTM step. tfjs-cpu slices
// along an inner axis element by element through index arithmetic (~15 ms to split a [64, 256] gate matrix).
// These replacements read the input in place (a heap view on wasm, the values array on cpu) and copy only the
// selected elements, in contiguous runs. Same semantics, same outputs; string and complex tensors go to the original kernels.
import * as tf from '@tensorflow/tfjs';

type Values = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Values;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU these kernels use. */
interface CpuBackend {
  data: { get(dataId: object): { values?: Values } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo;
}

/** How to read an input in place and produce an output, per backend. */
type Slicer = (x: tf.TensorInfo, begin: number[], size: number[], outShape: number[]) => tf.TensorInfo;

function wasmSlicer(backend: WasmBackend): Slicer {
  // The output is allocated BEFORE taking heap views: allocation may grow (and so detach) the heap.
  return (x, begin, size, outShape) => {
    const out = backend.makeOutput(outShape, x.dtype);
    if (size.some((s) => s === 0)) return out;
    copyBlock(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
    return out;
  };
}

function cpuSlicer(backend: CpuBackend): Slicer {
  return (x, begin, size, outShape) => {
    const src = backend.data.get(x.dataId).values!;
    const n = size.reduce((a, b) => a * b, 1);
    const dst = new (src.constructor as new (n: number) => Values)(n);
    if (n > 0) copyBlock(src, x.shape, begin, size, dst);
    return backend.makeTensorInfo(outShape, x.dtype, dst);
  };
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: unknown };
type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
type MakeSlicer = (backend: unknown) => Slicer;

/** Copies x[begin : begin + size] into `out` (row-major), in runs as long as the slice allows. */
function copyBlock(src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: number[], begin: number[], size: number[], dst: { set(a: ArrayLike<number>, o: number): void }): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1), 0);
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  // Trailing axes taken whole merge into the run: the run spans axis k and everything after it.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k] * strides[k];
  let outer = 1;
  for (let a = 0; a < k; a++) outer *= size[a];
  const index = new Array<number>(k).fill(0);
  let out = 0;
  for (let n = 0; n < outer; n++) {
    let offset = begin[k] * strides[k];
    for (let a = 0; a < k; a++) offset += (begin[a] + index[a]) * strides[a];
    dst.set(src.subarray(offset, offset + run), out);
    out += run;
    for (let a = k - 1; a >= 0; a--) {
      if (++index[a] < size[a]) break;
      index[a] = 0;
    }
  }
}

function fastSlice(original: KernelFunc, slicer: MakeSlicer): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return slicer(args.backend)(x, b, s, s);
  };
}

function fastSplitV(original: KernelFunc, slicer: MakeSlicer): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const slice = slicer(args.backend);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const out = slice(x, begin.slice(), size, size);
      begin[ax] += s;
      return out;
    });
  };
}

function fastUnpack(original: KernelFunc, slicer: MakeSlicer): KernelFunc {
  return (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    let { axis } = args.attrs as { axis: number };
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, a) => a !== axis);
    const size = x.shape.slice();
    size[axis] = 1;
    const slice = slicer(args.backend);
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < x.shape[axis]; i++) {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[axis] = i;
      outs.push(slice(x, begin, size, outShape));
    }
    return outs;
  };
}

const REPLACEMENTS: [string, (orig: KernelFunc, slicer: MakeSlicer) => KernelFunc][] = [
  ['Slice', fastSlice],
  ['SplitV', fastSplitV],
  ['Unpack', fastUnpack],
];
const SLICERS: Record<string, MakeSlicer> = {
  wasm: (b) => wasmSlicer(b as WasmBackend),
  cpu: (b) => cpuSlicer(b as CpuBackend),
};
const originals = new Map<string, tf.KernelConfig>(); // key: backend/kernel

/**
 * Turn the faster Slice/SplitV/Unpack kernels on or off for `backend` ('wasm' or 'cpu'; process-wide, idempotent).
 * Returns false when that backend is not loaded. Off restores tfjs's own kernels (the bench measures its
 * baseline that way).
 */
export function setFastSlicing(enabled: boolean, backend: 'wasm' | 'cpu' = 'wasm'): boolean {
  const key = (name: string) => `${backend}/${name}`;
  if (!REPLACEMENTS.every(([name]) => originals.has(key(name)) || tf.getKernel(name, backend))) return false;
  for (const [name, make] of REPLACEMENTS) {
    const isOn = originals.has(key(name));
    if (enabled === isOn) continue;
    if (enabled) {
      const original = tf.getKernel(name, backend);
      originals.set(key(name), original);
      tf.unregisterKernel(name, backend);
      tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc as unknown as KernelFunc, SLICERS[backend]) as unknown as tf.KernelFunc });
    } else {
      tf.unregisterKernel(name, backend);
      tf.registerKernel(originals.get(key(name))!);
      originals.delete(key(name));
    }
  }
  return true;
}

/** Both backends at once (what selectBackend does). */
export function enableFastSlicing(): void {
  setFastSlicing(true, 'wasm');
  setFastSlicing(true, 'cpu');
}

// Faster Slice / SplitV / Unpack kernels for the tfjs-wasm backend, installed through tfjs's public kernel registry.
//
// Why: tfjs-backend-wasm 4.22 implements these three in JavaScript on top of `backend.readSync(x)`, which COPIES THE
// WHOLE INPUT out of the wasm heap for every output. Taking step t of a [64, 20, 256] tensor therefore copies all
// 1.3 MB to return 64 KB, and unstacking it costs ~16 ms — more than the rest of an LSTM step. These replacements
// read the input through a view on the heap (no copy) and copy only the selected elements, in contiguous runs.
// Same semantics, same outputs; string tensors go to the original kernels.
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: unknown };
type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

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

/** One slice as a new heap tensor. The output is allocated BEFORE taking heap views: allocation may grow the heap. */
function sliceOut(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[], outShape: number[] = size): tf.TensorInfo {
  const out = backend.makeOutput(outShape, x.dtype);
  if (size.some((s) => s === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  copyBlock(src, x.shape, begin, size, dst);
  return out;
}

function fastSlice(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return sliceOut(args.backend as WasmBackend, x, b, s);
  };
}

function fastSplitV(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const out = sliceOut(args.backend as WasmBackend, x, begin.slice(), size);
      begin[ax] += s;
      return out;
    });
  };
}

function fastUnpack(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    let { axis } = args.attrs as { axis: number };
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, a) => a !== axis);
    const size = x.shape.slice();
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < x.shape[axis]; i++) {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[axis] = i;
      outs.push(sliceOut(args.backend as WasmBackend, x, begin, size, outShape));
    }
    return outs;
  };
}

const originals = new Map<string, tf.KernelConfig>();
const REPLACEMENTS: [string, (orig: KernelFunc) => KernelFunc][] = [
  ['Slice', fastSlice],
  ['SplitV', fastSplitV],
  ['Unpack', fastUnpack],
];

/**
 * Turn the faster wasm Slice/SplitV/Unpack kernels on or off (process-wide; idempotent). Returns false when the
 * wasm backend is not loaded. Off restores tfjs's own kernels (the bench measures its baseline that way).
 */
export function setFastWasmSlicing(enabled: boolean): boolean {
  if (!REPLACEMENTS.every(([name]) => originals.has(name) || tf.getKernel(name, 'wasm'))) return false;
  for (const [name, make] of REPLACEMENTS) {
    const isOn = originals.has(name);
    if (enabled === isOn) continue;
    if (enabled) {
      const original = tf.getKernel(name, 'wasm');
      originals.set(name, original);
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc });
    } else {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel(originals.get(name)!);
      originals.delete(name);
    }
  }
  return true;
}

// The replacement Slice / SplitV / Unpack kernels return exactly what tfjs's own kernels return, on cpu and wasm,
// for float32 and int32, any rank up to 4, slices that are contiguous or strided, and empty ones.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFastSlicing } from '../../../src/kernels/fastSlicing.ts';
import { Rng } from '../../../src/util/rng.ts';

function cases(): (() => tf.Tensor | tf.Tensor[])[] {
  const rng = Rng.derive(1, 'slicing-cases');
  const make = (shape: number[], dtype: 'float32' | 'int32') =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (dtype === 'int32' ? rng.int(100) : rng.normal())), shape, dtype);
  const x3 = make([4, 5, 6], 'float32');
  const x4 = make([2, 3, 4, 5], 'int32');
  const x2 = make([7, 8], 'float32');
  const x1 = make([9], 'int32');
  return [
    () => tf.slice(x3, [1, 2, 0], [2, 3, 6]), // trailing axis whole: runs merge
    () => tf.slice(x3, [0, 1, 2], [4, 3, 3]), // strided
    () => tf.slice(x3, [3, 0, 0], [1, -1, -1]), // contiguous block, size −1
    () => tf.slice(x4, [1, 0, 1, 2], [1, 3, 2, 3]),
    () => tf.slice(x2, [2, 0], [0, 8]), // empty
    () => tf.slice(x1, [3], [4]),
    () => tf.split(x2, 4, 1),
    () => tf.split(x2, [2, 5], 0),
    () => tf.split(x4, [1, 3, 1], 3),
    () => tf.unstack(x3, 1),
    () => tf.unstack(x4, 0),
    () => tf.unstack(x4, 3),
  ];
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`replacement slicing kernels agree with tfjs's on ${backend}`, async () => {
    await tf.setBackend(backend);
    try {
      const run = (fast: boolean) => {
        setFastSlicing(fast, backend);
        return tf.tidy(() =>
          cases().map((c) => {
            const out = c();
            const list = Array.isArray(out) ? out : [out];
            return list.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
          }),
        );
      };
      const stock = run(false);
      const fast = run(true);
      assert.equal(fast, stock);
      assert.ok(stock.flat().some((t) => t.values.length > 0));
    } finally {
      setFastSlicing(true, backend);
      await tf.setBackend('cpu');
    }
  });
}

test.run();

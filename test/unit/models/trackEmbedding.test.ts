// The hashed track embedding: bucket = index mod buckets, −1 → zero vector, and the table's gradient adds up the
// rows of every position that used a bucket (duplicates included) — on cpu and on wasm, whose gather has no
// gradient kernel of its own.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { embedTracks } from '../../../src/models/trackEmbedding.ts';

for (const backend of ['cpu', 'wasm'] as const) {
  test(`lookup and gradient on ${backend}`, async () => {
    await selectBackend(backend, () => {});
    try {
      const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
      const index = tf.tensor2d([[0, 3, -1], [4, 1, 0]], [2, 3], 'int32'); // buckets 0, 0, none, 1, 1, 0
      const weight = tf.tensor3d([[[1, 1], [2, 2], [3, 3]], [[4, 4], [5, 5], [6, 6]]]);
      assert.equal(tf.tidy(() => embedTracks(table as tf.Tensor2D, index).arraySync()), [
        [[1, 2], [1, 2], [0, 0]],
        [[3, 4], [3, 4], [1, 2]],
      ]);
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(embedTracks(table as tf.Tensor2D, index), weight)) as tf.Scalar, [table]);
      // bucket 0 is used at weights 1, 2 and 6; bucket 1 at 4 and 5; bucket 2 nowhere.
      assert.equal(grads[table.name].arraySync(), [[9, 9], [9, 9], [0, 0]]);
      tf.dispose([table, index, weight, value, ...Object.values(grads)]);
    } finally {
      await selectBackend('cpu', () => {});
    }
  });
}

test.run();

// The hashed track-id embedding: bucket = key mod buckets, where the key is a hash of the track id (src/data/format/trackKey.ts);
// key −1 (padding, unknown track) → zero vector.
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../kernels/gatherRows.ts';

/** [B, T] int32 track keys → [B, T, width] embeddings (zeros where the key is negative). */
export function embedTracks(table: tf.Tensor2D, trackIndex: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = trackIndex.shape;
  const [buckets, width] = table.shape;
  const flat = tf.reshape(trackIndex, [-1]) as tf.Tensor1D;
  const known = tf.cast(tf.greaterEqual(flat, 0), 'float32');
  const rows = tf.mod(tf.maximum(flat, tf.scalar(0, 'int32')), tf.scalar(buckets, 'int32')) as tf.Tensor1D;
  const vectors = tf.mul(gatherRows(table, rows), tf.expandDims(known, 1));
  return tf.reshape(vectors, [B, T, width]);
}

#!/usr/bin/env python3
"""skiptrain's skip models in TensorFlow / Keras, trained the way the trainer trains them: the peer of
`npm run bench -- train --peers`.

The models (src/models/model.ts, encoder.ts, lstm.ts, transformer.ts, heads.ts), as a Keras user writes them:
  encoder: Dense(H)(x) + Dense(H, no bias)(Embedding(buckets, E)(track)) -> Dropout
  lstm: -> LSTM(H) x layers (Dropout between them)
  transformer: + learned positions -> pre-LN blocks [MultiHeadAttention (causal, padded keys masked), Dropout,
    residual; LayerNormalization, Dense(ff, relu), Dense(H), Dropout, residual] -> LayerNormalization
  -> Dense(5): the main skip logit and four auxiliary ones
Objective (src/train/loss.ts): masked BCE on the main logit plus auxWeight x the mean BCE of the auxiliary ones, with
per-position loss weights; Adam with global-norm clipping (global_clipnorm) - one optimizer step, in a tf.function
as model.fit runs it (not XLA: jit_compile=True measured 3-5x slower on CPU here). The batch: [B, 20, F] with session lengths 10-20, the first half known (loss weight
knownWeight), as the trainer's. Warm-up steps, then timed steps for --budget seconds.

  python3 scripts/bench/peer_tensorflow.py --batch 64 --hidden 64 --layers 1 --buckets 8192 --embed 8 --threads 1
prints one JSON line {"step": "peer", "peer": "tensorflow", "model", "batch", "threads", "seqPerSec", ...}.
"""
import os
import sys
import time

from peer_common import T, parse_args, report


def main():
    a = parse_args(__doc__)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if a.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    try:
        import tensorflow as tf
        import keras
    except ImportError:
        print("peer_tensorflow: TensorFlow is not installed in this Python (pip install tensorflow-cpu)", file=sys.stderr)
        return 3
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    keras.utils.set_random_seed(1)

    x_in = keras.Input((T, a.features))
    keys_in = keras.Input((T,), dtype="int32")
    present_in = keras.Input((T,))
    h = keras.layers.Dense(a.hidden)(x_in)
    if a.buckets > 0:
        known = keras.ops.expand_dims(keras.ops.cast(keys_in >= 0, "float32"), -1)
        rows = keras.ops.mod(keras.ops.maximum(keys_in, 0), a.buckets)
        e = keras.layers.Embedding(a.buckets, a.embed)(rows) * known
        h = h + keras.layers.Dense(a.hidden, use_bias=False)(e)
    h = keras.layers.Dropout(a.dropout)(h)
    if a.model == "lstm":
        for layer in range(a.layers):
            if layer > 0:
                h = keras.layers.Dropout(a.dropout)(h)
            h = keras.layers.LSTM(a.hidden, return_sequences=True)(h)
    else:
        h = h + keras.layers.Embedding(T, a.hidden)(keras.ops.arange(T))
        # Query t may see key j when j holds a track (the causal part comes from use_causal_mask).
        keys_mask = keras.ops.cast(keras.ops.expand_dims(present_in, 1) * keras.ops.ones((1, T, 1)), "bool")
        for _ in range(a.layers):
            y = keras.layers.LayerNormalization(epsilon=1e-5)(h)
            y = keras.layers.MultiHeadAttention(a.heads, a.hidden // a.heads)(y, y, attention_mask=keys_mask, use_causal_mask=True)
            h = h + keras.layers.Dropout(a.dropout)(y)
            y = keras.layers.LayerNormalization(epsilon=1e-5)(h)
            y = keras.layers.Dense(a.hidden)(keras.layers.Dense(a.ff, activation="relu")(y))
            h = h + keras.layers.Dropout(a.dropout)(y)
        h = keras.layers.LayerNormalization(epsilon=1e-5)(h)
    out = keras.layers.Dense(5 if a.aux_weight > 0 else 1)(h)
    model = keras.Model([x_in, keys_in, present_in], out)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3, global_clipnorm=1.0)

    g = tf.random.Generator.from_seed(2)
    B = a.batch
    lengths = g.uniform((B,), 10, T + 1, dtype=tf.int32)
    pos = tf.range(T)[tf.newaxis, :]
    present = tf.cast(pos < lengths[:, tf.newaxis], tf.float32)
    known = tf.cast(pos < (lengths // 2)[:, tf.newaxis], tf.float32) * present
    weights = (present - known) + known * a.known_weight
    x = g.normal((B, T, a.features))
    keys = tf.where(present > 0, g.uniform((B, T), 0, max(a.tracks, 1), dtype=tf.int32), -1)
    labels = tf.cast(g.uniform((B, T)) < 0.5, tf.float32)
    aux = tf.cast(g.uniform((B, T, 4)) < 0.5, tf.float32)
    denominator = tf.maximum(tf.reduce_sum(weights), 1.0)

    def bce(logits, y):
        return tf.nn.relu(logits) - logits * y + tf.math.log1p(tf.exp(-tf.abs(logits)))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            o = model([x, keys, present], training=True)
            loss = tf.reduce_sum(bce(o[..., 0], labels) * weights) / denominator
            if a.aux_weight > 0:
                loss += a.aux_weight * tf.reduce_sum(bce(o[..., 1:], aux) * weights[..., tf.newaxis]) / (4 * denominator)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for _ in range(5):
        step().numpy()
    steps = 0
    start = time.perf_counter()
    while steps < 3 or time.perf_counter() - start < a.budget:
        loss = step()
        steps += 1
        if steps % 10 == 0:
            loss.numpy()
    loss.numpy()
    ms = (time.perf_counter() - start) * 1000 / steps
    report("tensorflow", a, ms, tf.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())

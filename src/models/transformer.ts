// The causal Transformer body: learned positional embeddings, `layers` pre-LN blocks (multi-head self-attention,
// then a ReLU feed-forward of width `ff`), a final LayerNorm. Causality: position t attends to keys ≤ t only
// (additive −1e9 mask). Key padding: keys where present = 0 are masked too; since the causal mask is applied as
// well, a query only ever sees the padding flags of positions ≤ t, so the padding mask cannot leak the future.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './modelConfig.ts';
import { MAX_SESSION_LENGTH } from '../data/format/columns.ts';
import { ConfigError } from '../errors.ts';
import { dense } from '../kernels/dense.ts';
import { INPUT_DROPOUT_SITE, type DropoutFn } from './dropout.ts';
import { layerNorm } from '../kernels/layerNorm.ts';
import type { Body } from './recurrent.ts';
import type { ParamStore } from './params.ts';

const MASKED = -1e9;

/** [T, T]: 0 where key j ≤ query t, −1e9 above the diagonal. */
function causalBias(T: number): tf.Tensor2D {
  const v = new Float32Array(T * T);
  for (let t = 0; t < T; t++) for (let j = t + 1; j < T; j++) v[t * T + j] = MASKED;
  return tf.tensor2d(v, [T, T]);
}

/** [B or 1, 1, T, T] additive attention bias: causal, plus absent keys when `present` is known. */
function attentionBias(T: number, present: tf.Tensor2D | null): tf.Tensor4D {
  const causal = tf.reshape(causalBias(T), [1, 1, T, T]) as tf.Tensor4D;
  if (!present) return causal;
  const [B] = present.shape;
  const padding = tf.reshape(tf.mul(tf.sub(1, present), MASKED), [B, 1, 1, T]);
  return tf.add(causal, padding);
}

/** The Transformer's dropout sites in order: the encoder's output, then each layer's attention and feed-forward outputs. */
export function transformerDropoutSites(layers: number): string[] {
  return [INPUT_DROPOUT_SITE, ...Array.from({ length: layers }, (_, l) => [`transformer.${l}.attn`, `transformer.${l}.ff`]).flat()];
}

export function buildTransformer(params: ParamStore, cfg: ModelConfig): Body {
  const d = cfg.hidden;
  const heads = cfg.heads;
  if (heads < 1 || d % heads !== 0) throw new ConfigError(`hidden (${d}) must be a multiple of heads (${heads})`, 'model.heads');
  const dh = d / heads;
  const v = (name: string, shape: number[], init: Parameters<ParamStore['create']>[2]) => params.create(name, shape, init);
  const pos = v('transformer.position', [MAX_SESSION_LENGTH, d], { kind: 'normal', std: 0.02 });
  const blocks = Array.from({ length: cfg.layers }, (_, l) => {
    const p = `transformer.${l}.`;
    return {
      ln1g: v(`${p}ln1.gamma`, [d], { kind: 'constant', value: 1 }) as tf.Tensor1D,
      ln1b: v(`${p}ln1.beta`, [d], { kind: 'zeros' }) as tf.Tensor1D,
      wqkv: v(`${p}attn.wqkv`, [d, 3 * d], { kind: 'glorot' }) as tf.Tensor2D,
      bqkv: v(`${p}attn.bqkv`, [3 * d], { kind: 'zeros' }) as tf.Tensor1D,
      wo: v(`${p}attn.wo`, [d, d], { kind: 'glorot' }) as tf.Tensor2D,
      bo: v(`${p}attn.bo`, [d], { kind: 'zeros' }) as tf.Tensor1D,
      ln2g: v(`${p}ln2.gamma`, [d], { kind: 'constant', value: 1 }) as tf.Tensor1D,
      ln2b: v(`${p}ln2.beta`, [d], { kind: 'zeros' }) as tf.Tensor1D,
      w1: v(`${p}ff.w1`, [d, cfg.ff], { kind: 'glorot' }) as tf.Tensor2D,
      b1: v(`${p}ff.b1`, [cfg.ff], { kind: 'zeros' }) as tf.Tensor1D,
      w2: v(`${p}ff.w2`, [cfg.ff, d], { kind: 'glorot' }) as tf.Tensor2D,
      b2: v(`${p}ff.b2`, [d], { kind: 'zeros' }) as tf.Tensor1D,
    };
  });
  const lnFg = v('transformer.final.gamma', [d], { kind: 'constant', value: 1 }) as tf.Tensor1D;
  const lnFb = v('transformer.final.beta', [d], { kind: 'zeros' }) as tf.Tensor1D;
  const sites = transformerDropoutSites(cfg.layers);

  return (x, dropout: DropoutFn, present) => {
    const [B, T] = x.shape;
    if (T > MAX_SESSION_LENGTH) throw new Error(`sequence length ${T} exceeds the positional table (${MAX_SESSION_LENGTH})`);
    const bias = attentionBias(T, present);
    // The key bias is left out of the products (its third of bqkv is multiplied by 0): adding q·b_k to all of a
    // query's scores cannot change their softmax, so its true gradient is zero and what arrived instead was rounding
    // noise, which Adam's normalisation turned into full-size steps that made runs drift apart. It stays in the
    // parameters, so checkpoints keep their layout.
    const keyBiasOff = tf.tensor1d(new Float32Array(3 * d).fill(1).fill(0, d, 2 * d));
    let h = tf.add(x, tf.slice(pos, [0, 0], [T, d])) as tf.Tensor3D;
    blocks.forEach((blk, l) => {
      // Attention: [B,T,3d] → [B, 3·heads, T, dh] → q, k, v of [B, heads, T, dh].
      const qkv = dense(layerNorm(h, blk.ln1g, blk.ln1b), blk.wqkv, tf.mul(blk.bqkv, keyBiasOff) as tf.Tensor1D);
      const split = tf.transpose(tf.reshape(qkv, [B, T, 3 * heads, dh]), [0, 2, 1, 3]);
      const [q, k, val] = tf.split(split, 3, 1);
      // Batched matmuls run tfjs-wasm's generic loop either way; transposeB costs nothing extra there.
      const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), bias);
      const attended = tf.matMul(tf.softmax(scores), val); // [B, heads, T, dh]
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [B, T, d]) as tf.Tensor3D;
      h = tf.add(h, dropout(dense(merged, blk.wo, blk.bo), sites[1 + 2 * l]));
      const hidden = tf.relu(dense(layerNorm(h, blk.ln2g, blk.ln2b), blk.w1, blk.b1));
      h = tf.add(h, dropout(dense(hidden, blk.w2, blk.b2), sites[2 + 2 * l]));
    });
    return layerNorm(h, lnFg, lnFb);
  };
}

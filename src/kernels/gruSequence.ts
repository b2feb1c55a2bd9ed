// The GRU recurrence as ONE differentiable op with a hand-written backward pass, like lstmSequence.ts (which says
// why: tfjs-wasm's cost is the op count per time step). PyTorch's GRU, gate columns (r, z, n):
//
//   r,z = σ(xp_rz + hg_rz)   n = tanh(xp_n + r⊙hg_n)   h_t = (1−z)⊙n + z⊙h_{t−1}
//   xp = x·Wx + bx (the caller's, all steps at once)   hg = h_{t−1}·Wh + bh (bh apart: r gates h·Wh_n + bh_n)
// Backward, per step (dh_t = dy_t + what step t+1 sent back):
//   the input side's gradient dh_t⊙Mx_t, the recurrent side's dh_t⊙Mh_t, with A = (1−z)(1−n²) and
//   Mx = [A·hg_n·r(1−r), (h_{t−1}−n)·z(1−z), A]   Mh = [A·hg_n·r(1−r), (h_{t−1}−n)·z(1−z), A·r]
//   dh_{t−1} += dh_t⊙z + (dh_t⊙Mh_t)·Whᵀ
// The M's do not depend on the recurrence, so they are computed for all steps at once, leaving the backward loop
// a handful of ops per step.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp.ts';
import { kernelSwitch, previousSteps } from './recurrence.ts';

/** Three copies of x side by side along its last axis: dh against the three gate blocks. */
function thrice<T extends tf.Tensor>(x: T): T {
  return tf.concat([x, x, x], x.rank - 1) as T;
}

/**
 * The recurrence, forward and backward. `wh` [H, 3H·K] and `bh` [3H·K]: one recurrent kernel (K = 1) or two side
 * by side with `first` [B, T, 1] choosing per position (recurrence.ts).
 */
function recurrence(xp: tf.Tensor, wh: tf.Tensor, bh: tf.Tensor, first: tf.Tensor | null, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } {
  const [B, T, G] = xp.shape as [number, number, number];
  const H = G / 3;
  // Time-major steps, the r and z columns apart from n's: per step they meet different terms.
  const [xrz, xn] = tf.split(tf.transpose(xp, [1, 0, 2]), [2 * H, H], 2);
  const xrzs = tf.unstack(xrz) as tf.Tensor2D[];
  const xns = tf.unstack(xn) as tf.Tensor2D[];
  const kernels = kernelSwitch(first);

  const rzs: tf.Tensor2D[] = [];
  const ns: tf.Tensor2D[] = [];
  const hns: tf.Tensor2D[] = [];
  const hs: tf.Tensor2D[] = [];
  let h: tf.Tensor2D = tf.zeros([B, H]);
  for (let t = 0; t < T; t++) {
    const hg = kernels.choose(tf.add(tf.matMul(h, wh as tf.Tensor2D), bh) as tf.Tensor2D, t);
    const [hrz, hn] = tf.split(hg, [2 * H, H], 1) as tf.Tensor2D[];
    const rz = tf.sigmoid(tf.add(xrzs[t], hrz)) as tf.Tensor2D;
    const [r, z] = tf.split(rz, 2, 1) as tf.Tensor2D[];
    const n = tf.tanh(tf.add(xns[t], tf.mul(r, hn))) as tf.Tensor2D;
    h = tf.add(n, tf.mul(z, tf.sub(h, n)));
    rzs.push(rz);
    ns.push(n);
    hns.push(hn);
    hs.push(h);
  }
  const hStack = tf.stack(hs) as tf.Tensor3D; // [T, B, H]
  // save() is a no-op when no gradient is being recorded, so inference pays only for these stacks.
  save([tf.stack(rzs), tf.stack(ns), tf.stack(hns), hStack, wh, ...(first ? [first] : [])]);
  const value = tf.transpose(hStack, [1, 0, 2]); // [B, T, H]

  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [RZ, N, HN, Hs, Wh, First] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor3D?];
    const [R, Z] = tf.split(RZ, 2, 2) as tf.Tensor3D[];
    const hPrev = previousSteps(Hs);
    const a = tf.mul(tf.sub(1, Z), tf.sub(1, tf.square(N)));
    const dr = tf.mul(tf.mul(a, HN), tf.mul(R, tf.sub(1, R)));
    const dz = tf.mul(tf.sub(hPrev, N), tf.mul(Z, tf.sub(1, Z)));
    const mx = tf.concat([dr, dz, a], 2);
    const mhs = tf.unstack(tf.concat([dr, dz, tf.mul(a, R)], 2)) as tf.Tensor2D[];
    const zs = tf.unstack(Z) as tf.Tensor2D[];
    const dys = tf.unstack(tf.transpose(dy, [1, 0, 2])) as tf.Tensor2D[]; // T × [B, H]
    const whT = tf.transpose(Wh) as tf.Tensor2D; // [3H·K, H]
    const spread = kernelSwitch(First ?? null).spread;

    const dhs: tf.Tensor2D[] = new Array(T);
    const dghs: tf.Tensor2D[] = new Array(T); // the recurrent side's gradient as each kernel sees it
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const dh: tf.Tensor2D = carry ? tf.add(dys[t], carry) : dys[t];
      dhs[t] = dh;
      dghs[t] = spread(tf.mul(thrice(dh), mhs[t]), t);
      if (t > 0) carry = tf.add(tf.mul(dh, zs[t]), tf.matMul(dghs[t], whT)) as tf.Tensor2D;
    }
    const dXp = tf.transpose(tf.mul(thrice(tf.stack(dhs) as tf.Tensor3D), mx), [1, 0, 2]); // [B, T, 3H]
    // dWh = Σ_t h_{t−1}ᵀ·dgh_t as one matmul; an explicit transpose is far faster on wasm than transposeA.
    const dgh = tf.reshape(tf.stack(dghs), [T * B, Wh.shape[1]]);
    const dWh = tf.matMul(tf.transpose(tf.reshape(hPrev, [T * B, H])), dgh);
    const dBh = tf.sum(dgh, 0);
    return First ? [dXp, dWh, dBh, tf.zerosLike(First)] : [dXp, dWh, dBh];
  };
  return { value, gradFunc };
}

const gruOp = customOp((xp: tf.Tensor, wh: tf.Tensor, bh: tf.Tensor, save: tf.GradSaveFunc) => recurrence(xp, wh, bh, null, save));
const switchedGruOp = customOp((xp: tf.Tensor, wh: tf.Tensor, bh: tf.Tensor, first: tf.Tensor, save: tf.GradSaveFunc) => recurrence(xp, wh, bh, first, save));

/** A GRU layer's recurrent weights: the kernel [H, 3H] and its bias [3H], gate columns (r, z, n). */
export interface GruRecurrent {
  wh: tf.Tensor2D;
  bh: tf.Tensor1D;
}

function check(what: string, xp: tf.Tensor3D, ...layers: GruRecurrent[]): void {
  const [H, G] = layers[0].wh.shape;
  if (xp.shape[2] !== G || G !== 3 * H || layers.some((l) => l.wh.shape.join() !== `${H},${G}` || l.bh.shape.join() !== `${G}`)) {
    const got = layers.map((l) => `[${l.wh.shape}] and [${l.bh.shape}]`).join(', ');
    throw new Error(`${what}: xp [${xp.shape}], wh and bh ${got} do not agree (want [B,T,3H], [H,3H] and [3H])`);
  }
}

/**
 * Runs a GRU layer over a whole sequence from zero state.
 * @param xp the precomputed input projection x·Wx + bx, [B, T, 3H], gate columns in (r, z, n) order
 * @returns the hidden states h_1..h_T, [B, T, H]
 */
export function gruSequence(xp: tf.Tensor3D, w: GruRecurrent): tf.Tensor3D {
  check('gruSequence', xp, w);
  return gruOp(xp, w.wh, w.bh) as tf.Tensor3D;
}

/**
 * A GRU layer whose recurrent weights switch per position (the encoder–decoder's), the state carried across.
 * @param one the weights where `first` [B, T, 1] is 1; `two` where it is 0
 */
export function switchedGruSequence(xp: tf.Tensor3D, one: GruRecurrent, two: GruRecurrent, first: tf.Tensor3D): tf.Tensor3D {
  check('switchedGruSequence', xp, one, two);
  return switchedGruOp(xp, tf.concat([one.wh, two.wh], 1), tf.concat([one.bh, two.bh]), first) as tf.Tensor3D;
}

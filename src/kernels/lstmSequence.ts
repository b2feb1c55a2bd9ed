// The LSTM recurrence as ONE differentiable op with a hand-written backward pass (tf.customGrad).
//
// At B=64, H=64 a tfjs-wasm kernel call costs ~5–10 µs of fixed overhead against ~75 µs for the only real
// arithmetic (the recurrent matmul), so speed is set by how many ops each time step issues and how costly each is:
//  - the input projection of all time steps is one matmul done by the caller (xp = x·Wx + b, [B,T,4H]);
//  - one matmul per step for all four gates, and ONE sigmoid for all four: the cell candidate uses
//    tanh(x) = 2σ(2x) − 1 (its columns are pre-scaled by 2), because tfjs-wasm's tanh is scalar code ~8× slower
//    than its SIMD sigmoid; tanh(c) likewise. The state is carried as c̃ = 2c and ĥ = h/2, which folds the
//    constants into the (pre-scaled) weights instead of spending ops on them every step;
//  - forward ops run off the autodiff tape (a customGrad forward is not recorded), and the backward pass does
//    everything that does not depend on the recurrence (gate derivatives, the Wh gradient) once for all steps,
//    leaving 7 ops per step in the backward loop;
//  - per-step slices come from one unstack; on wasm and cpu that is cheap only with fastSlicing.ts
//    installed (selectBackend does it);
//  - time-major stacks, weights as the right-hand matmul operand (see lstmOp).
// Gate order in Wx, Wh and b columns: [input, forget, output, cell candidate] (i, f, o, g).
//
//   i,f,o = σ(z_ifo)   g = tanh(z_g)   c_t = f⊙c_{t−1} + i⊙g   h_t = o⊙tanh(c_t)      z_t = xp_t + h_{t−1}·Wh
// Backward, per step (dh, dc flowing from t+1):
//   dh_t = dy_t + dz_{t+1}·Whᵀ      dc_t = f_{t+1}⊙dc_{t+1} + dh_t⊙o⊙(1−tanh²c_t)
//   dz_t = [dc, dc, dh, dc] ⊙ M_t,   M_t = [g·i(1−i), c_{t−1}·f(1−f), tanh(c_t)·o(1−o), i·(1−g²)]
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp.ts';
import { kernelSwitch, previousSteps } from './recurrence.ts';

/** [1,…,1, 2,…,2]: scales the cell-candidate columns so one sigmoid yields σ(2·z_g), i.e. tanh(z_g) = 2σ(2z_g) − 1. */
function gateScale(H: number): tf.Tensor1D {
  const v = new Float32Array(4 * H).fill(1);
  v.fill(2, 3 * H);
  return tf.tensor1d(v);
}

// Layout inside: time-major stacks [T, B, ·], so unstacking into steps and stacking the results are contiguous
// block copies, and per-step [B, 4H] gates with the weight as the SECOND matmul operand: tfjs-wasm (XNNPACK)
// caches the packed right-hand matrix per tensor, so h·Wh with a fixed Wh is ~8× cheaper than Whᵀ·h.
/**
 * The recurrence, forward and backward. `wh` is [H, 4H·K]: one recurrent kernel (K = 1), or two side by side
 * (K = 2) with `first` [B, T, 1] choosing per position: z_t = xp_t + first_t·(h·Wh¹) + (1 − first_t)·(h·Wh²) —
 * one matmul of twice the width per step, then a select; with K = 1 the ops are the plain LSTM's.
 */
function recurrence(xp: tf.Tensor, wh: tf.Tensor, first: tf.Tensor | null, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } {
  const [B, T, G] = xp.shape as [number, number, number];
  const H = G / 4;
  const scale = gateScale(H);
  const xs = tf.unstack(tf.transpose(tf.mul(xp, scale), [1, 0, 2])) as tf.Tensor2D[]; // T × [B, 4H]
  const whScaled = tf.mul(wh, tf.mul(first ? tf.concat([scale, scale]) : scale, 2)) as tf.Tensor2D; // ×2 because the carried state is h/2
  const kernels = kernelSwitch(first);
  const recurrent = (hHalf: tf.Tensor2D, t: number): tf.Tensor2D => kernels.choose(tf.matMul(hHalf, whScaled) as tf.Tensor2D, t);

  const ss: tf.Tensor2D[] = [];
  const c2s: tf.Tensor2D[] = [];
  const rs: tf.Tensor2D[] = [];
  const halves: tf.Tensor2D[] = [];
  let hHalf: tf.Tensor2D | null = null; // h/2, [B, H]
  let c2: tf.Tensor2D | null = null; // 2c, [B, H]
  for (let t = 0; t < T; t++) {
    const z: tf.Tensor2D = hHalf ? tf.add(recurrent(hHalf, t), xs[t]) : xs[t];
    const s = tf.sigmoid(z);
    const [i, f, o, sg] = tf.split(s, 4, 1) as tf.Tensor2D[];
    const u: tf.Tensor2D = tf.sub(tf.mul(sg, 4), 2); // 2g
    const cell: tf.Tensor2D = c2 ? tf.add(tf.mul(f, c2), tf.mul(i, u)) : tf.mul(i, u);
    const r = tf.sigmoid(cell); // σ(2c), so tanh(c) = 2r − 1
    const half: tf.Tensor2D = tf.mul(o, tf.sub(r, 0.5));
    c2 = cell;
    hHalf = half;
    ss.push(s);
    c2s.push(cell);
    rs.push(r);
    halves.push(half);
  }
  const hStack = tf.mul(tf.stack(halves), 2) as tf.Tensor3D; // [T, B, H]
  // save() is a no-op when no gradient is being recorded, so inference pays only for these stacks.
  save([tf.stack(ss), tf.stack(c2s), tf.stack(rs), hStack, wh, ...(first ? [first] : [])]);
  const value = tf.transpose(hStack, [1, 0, 2]); // [B, T, H]

  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [S, C2, R, Hs, Wh, First] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor3D?];
    const [I, F, O, SG] = tf.split(S, 4, 2) as tf.Tensor3D[];
    // Everything that does not depend on the recurrence, for all steps at once.
    const g = tf.sub(tf.mul(SG, 2), 1);
    const tanhC = tf.sub(tf.mul(R, 2), 1);
    const cPrev = tf.mul(previousSteps(C2), 0.5);
    // σ' = s(1−s) for all four blocks; for g, dg/dz = 1 − g² = 4·sg(1−sg), hence the 4·i factor.
    const m = tf.mul(tf.concat([g, cPrev, tanhC, tf.mul(I, 4)], 2), tf.mul(S, tf.sub(1, S)));
    const a = tf.mul(O, tf.sub(1, tf.square(tanhC)));
    const ms = tf.unstack(m) as tf.Tensor2D[];
    const as = tf.unstack(a) as tf.Tensor2D[];
    const fs = tf.unstack(F) as tf.Tensor2D[];
    const dys = tf.unstack(tf.transpose(dy, [1, 0, 2])) as tf.Tensor2D[]; // T × [B, H]
    const whT = tf.transpose(Wh) as tf.Tensor2D; // [4H·K, H]
    // dz_t as each kernel sees it: dz itself, or [first_t·dz, (1 − first_t)·dz].
    const perKernel = kernelSwitch(First ?? null).spread;

    const dzs: tf.Tensor2D[] = new Array(T);
    let dzNext: tf.Tensor2D | null = null; // perKernel(dz_{t+1})
    let dcCarry: tf.Tensor2D | null = null; // f_{t+1} ⊙ dc_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      const dh: tf.Tensor2D = dzNext ? tf.add(dys[t], tf.matMul(dzNext, whT)) : dys[t];
      const dcLocal: tf.Tensor2D = tf.mul(dh, as[t]);
      const dc: tf.Tensor2D = dcCarry ? tf.add(dcCarry, dcLocal) : dcLocal;
      const dzt: tf.Tensor2D = tf.mul(tf.concat([dc, dc, dh, dc], 1), ms[t]);
      dzs[t] = dzt;
      dzNext = perKernel(dzt, t);
      if (t > 0) dcCarry = tf.mul(dc, fs[t]) as tf.Tensor2D;
    }
    const dzStack = tf.stack(dzs) as tf.Tensor3D; // [T, B, 4H]
    const dXp = tf.transpose(dzStack, [1, 0, 2]); // [B, T, 4H]
    // dWh = Σ_t h_{t−1}ᵀ·dz_t as one matmul; an explicit transpose is far faster on wasm than transposeA.
    const hPrevT = tf.transpose(tf.reshape(previousSteps(Hs), [T * B, H]));
    const dzKernels = First ? tf.stack(dzs.map(perKernel)) : dzStack; // [T, B, 4H·K]
    const dWh = tf.matMul(hPrevT, tf.reshape(dzKernels, [T * B, Wh.shape[1]]));
    return First ? [dXp, dWh, tf.zerosLike(First)] : [dXp, dWh];
  };
  return { value, gradFunc };
}

const lstmOp = customOp((xp: tf.Tensor, wh: tf.Tensor, save: tf.GradSaveFunc) => recurrence(xp, wh, null, save));
const switchedLstmOp = customOp((xp: tf.Tensor, wh: tf.Tensor, first: tf.Tensor, save: tf.GradSaveFunc) => recurrence(xp, wh, first, save));

/**
 * Runs an LSTM layer over a whole sequence from zero state.
 * @param xp the precomputed input projection x·Wx + b, [B, T, 4H], gate columns in (i, f, o, g) order
 * @param wh the recurrent kernel, [H, 4H], same gate order
 * @returns the hidden states h_1..h_T, [B, T, H]
 */
export function lstmSequence(xp: tf.Tensor3D, wh: tf.Tensor2D): tf.Tensor3D {
  if (xp.shape[2] !== wh.shape[1] || wh.shape[1] !== 4 * wh.shape[0]) {
    throw new Error(`lstmSequence: xp [${xp.shape}] and wh [${wh.shape}] do not agree (want [B,T,4H] and [H,4H])`);
  }
  return lstmOp(xp, wh) as tf.Tensor3D;
}

/**
 * An LSTM layer whose recurrent kernel switches per position (the encoder–decoder: the encoder's at known
 * positions, the decoder's after), the state carried across the switch.
 * @param whFirst the kernel where `first` is 1, [H, 4H]; `whSecond` where it is 0
 * @param first [B, T, 1], 1 or 0
 */
export function switchedLstmSequence(xp: tf.Tensor3D, whFirst: tf.Tensor2D, whSecond: tf.Tensor2D, first: tf.Tensor3D): tf.Tensor3D {
  if (xp.shape[2] !== whFirst.shape[1] || whFirst.shape[1] !== 4 * whFirst.shape[0] || whSecond.shape.join() !== whFirst.shape.join()) {
    throw new Error(`switchedLstmSequence: xp [${xp.shape}], wh [${whFirst.shape}] and [${whSecond.shape}] do not agree (want [B,T,4H] and two [H,4H])`);
  }
  return switchedLstmOp(xp, tf.concat([whFirst, whSecond], 1), first) as tf.Tensor3D;
}

// Partial correlations from a correlation matrix and the Fisher-z conditional-independence test built on them.
import { twoSidedNormalP } from './normal.ts';

/** A symmetric matrix stored row-major: m[i * size + j]. */
export interface SquareMatrix {
  size: number;
  values: Float64Array;
}

/**
 * Inverse of a small symmetric positive-definite matrix by Gauss–Jordan elimination with partial pivoting.
 * Returns null when the matrix is (numerically) singular: collinear variables have no defined partial correlation.
 */
export function invertSmall(a: Float64Array, n: number): Float64Array | null {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    const p = m[pivot * n + col];
    if (Math.abs(p) < 1e-12) return null;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) {
        [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c], m[col * n + c]];
        [inv[col * n + c], inv[pivot * n + c]] = [inv[pivot * n + c], inv[col * n + c]];
      }
    }
    for (let c = 0; c < n; c++) {
      m[col * n + c] /= p;
      inv[col * n + c] /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      if (f === 0) continue;
      for (let c = 0; c < n; c++) {
        m[r * n + c] -= f * m[col * n + c];
        inv[r * n + c] -= f * inv[col * n + c];
      }
    }
  }
  return inv;
}

/**
 * ρ(i, j | given) from the correlation matrix: invert the sub-matrix over {i, j} ∪ given and read
 * ρ = −P_ij / √(P_ii P_jj) off its precision matrix. NaN when that sub-matrix is singular.
 */
export function partialCorrelation(corr: SquareMatrix, i: number, j: number, given: readonly number[]): number {
  if (given.length === 0) return corr.values[i * corr.size + j];
  const vars = [i, j, ...given];
  const k = vars.length;
  const sub = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) sub[a * k + b] = corr.values[vars[a] * corr.size + vars[b]];
  const p = invertSmall(sub, k);
  if (!p) return NaN;
  return -p[1] / Math.sqrt(p[0] * p[k + 1]);
}

export interface IndependenceTest {
  r: number; // partial correlation
  z: number; // Fisher z statistic, √(n − |S| − 3) · atanh(r)
  p: number; // two-sided p-value
}

/** Fisher's z test of ρ(i, j | S) = 0 on n samples (assumes roughly Gaussian data). */
export function fisherZTest(r: number, n: number, conditioningSize: number): IndependenceTest {
  const dof = n - conditioningSize - 3;
  if (!Number.isFinite(r) || dof <= 0) return { r, z: NaN, p: NaN };
  // Clamp so |r| = 1 (duplicated variables) gives a huge finite z rather than Infinity·0 trouble.
  const clamped = Math.max(-0.9999999, Math.min(0.9999999, r));
  const z = Math.sqrt(dof) * Math.atanh(clamped);
  return { r, z, p: twoSidedNormalP(z) };
}

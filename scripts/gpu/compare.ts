// How far apart two loss curves of the same run on different backends are. Float32 kernels on different hardware
// sum in different orders, so the curves agree only within a tolerance, and the gap grows a little with every
// optimiser step: the first step (pure forward pass on identical weights) gets a tighter bound than the whole curve.

export interface CurveTolerance {
  /** Allowed relative difference of the first loss (forward pass on identical initial weights). */
  firstStep: number;
  /** Allowed relative difference at any step of the curve. */
  anyStep: number;
}

export const DEFAULT_CURVE_TOLERANCE: CurveTolerance = { firstStep: 1e-4, anyStep: 2e-2 };

export interface CurveComparison {
  steps: number;
  firstStepRelDiff: number;
  maxAbsDiff: number;
  maxRelDiff: number;
  /** Both curves have finite losses, the same length, and stay within the tolerance. */
  ok: boolean;
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

export function compareCurves(a: readonly number[], b: readonly number[], tol: CurveTolerance = DEFAULT_CURVE_TOLERANCE): CurveComparison {
  const steps = Math.min(a.length, b.length);
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  let finite = a.length === b.length && steps > 0;
  for (let i = 0; i < steps; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) finite = false;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
    maxRelDiff = Math.max(maxRelDiff, relDiff(a[i], b[i]));
  }
  const firstStepRelDiff = steps > 0 ? relDiff(a[0], b[0]) : Number.NaN;
  // NaN comparisons are false, so a NaN anywhere fails the check.
  const ok = finite && firstStepRelDiff <= tol.firstStep && maxRelDiff <= tol.anyStep;
  return { steps, firstStepRelDiff, maxAbsDiff, maxRelDiff, ok };
}

// The standard normal distribution's tail, for turning Fisher z statistics into p-values.

/**
 * Complementary error function, |relative error| < 1.2e-7 everywhere (the Chebyshev-fitted form from Numerical
 * Recipes §6.2). Accurate far into the tail, which matters: the PC algorithm compares p-values near alpha = 0.01
 * and a 1 − erf(x) formulation would lose all digits there.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** P(|Z| ≥ |z|) for Z ~ N(0, 1). */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

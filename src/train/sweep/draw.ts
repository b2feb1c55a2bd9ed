// The trials of a sweep: the same seed always draws the same values, so a resumed sweep finds the trials it started.
import { Rng } from '../../util/rng.ts';
import type { Distribution, Scalar, SweepSpec } from './spec.ts';

export type TrialValues = Record<string, Scalar>;

/** Random draws: each key from its own stream (trial i, key k), so adding a key leaves the others' draws alone. */
function drawOne(d: Distribution, rng: Rng): Scalar {
  switch (d.kind) {
    case 'choice':
      return d.values[rng.int(d.values.length)];
    case 'int':
      return d.low + rng.int(d.high - d.low + 1);
    case 'uniform':
      return round(d.low + rng.next() * (d.high - d.low));
    case 'loguniform':
      return round(Math.exp(Math.log(d.low) + rng.next() * (Math.log(d.high) - Math.log(d.low))));
  }
}

/** Six significant digits: the values go through config files and command lines, where 0.0031622776601683794 is noise. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** Grid points of one key (the spec has rejected uniform and loguniform in a grid). */
function points(d: Distribution): Scalar[] {
  if (d.kind === 'choice') return d.values;
  if (d.kind === 'int') return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
  throw new Error(`${d.kind} has no grid points`);
}

/** Every trial's values, in trial order. */
export function drawTrials(spec: SweepSpec): TrialValues[] {
  if (spec.method === 'random') {
    return Array.from({ length: spec.trials }, (_, i) =>
      Object.fromEntries(spec.space.map(([key, d]) => [key, drawOne(d, Rng.derive(spec.seed, 'sweep', i, key))])),
    );
  }
  // The grid in row-major order: the last key varies fastest.
  let grid: TrialValues[] = [{}];
  for (const [key, d] of spec.space) grid = grid.flatMap((partial) => points(d).map((v) => ({ ...partial, [key]: v })));
  return grid;
}

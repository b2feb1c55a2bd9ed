// Seeded weight initialisers. Values are drawn in JavaScript from a per-variable Rng stream (Rng.derive(seed, name)),
// so the same seed gives bit-identical weights on every backend, and adding a variable never shifts the others.
import { Rng } from '../util/rng.ts';

export type Init =
  | { kind: 'zeros' }
  | { kind: 'constant'; value: number }
  | { kind: 'glorot' } // uniform ±sqrt(6 / (fanIn + fanOut)), fans from the last two dims
  | { kind: 'normal'; std: number }
  | { kind: 'orthogonal' }
  | { kind: 'values'; values: Float32Array }; // exact values (e.g. an LSTM bias with the forget gate open) // per [rows, cols] block of cols/rows square blocks (LSTM recurrent kernels)

export function initialValues(shape: number[], init: Init, seed: number, name: string): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rng = Rng.derive(seed, 'init', name);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'constant':
      return out.fill(init.value);
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = rng.normal() * init.std;
      return out;
    case 'glorot': {
      const fanOut = shape[shape.length - 1];
      const fanIn = shape.length > 1 ? shape[shape.length - 2] : fanOut;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
      return out;
    }
    case 'orthogonal':
      return orthogonalBlocks(shape, rng);
    case 'values':
      if (init.values.length !== size) throw new Error(`initial values for '${name}': ${init.values.length} values for shape [${shape}]`);
      return Float32Array.from(init.values);
  }
}

/**
 * A [n, k·n] matrix made of k independent orthogonal n×n blocks (one per LSTM gate), via Gram–Schmidt on
 * Gaussian columns. Keeps the recurrent map norm-preserving at the start, which helps long sequences.
 */
function orthogonalBlocks(shape: number[], rng: Rng): Float32Array {
  const [n, cols] = shape;
  const out = new Float32Array(n * cols);
  const blocks = Math.ceil(cols / n);
  for (let blk = 0; blk < blocks; blk++) {
    const width = Math.min(n, cols - blk * n);
    const basis: Float64Array[] = [];
    for (let j = 0; j < width; j++) {
      const v = new Float64Array(n);
      for (let r = 0; r < n; r++) v[r] = rng.normal();
      for (const u of basis) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += u[r] * v[r];
        for (let r = 0; r < n; r++) v[r] -= dot * u[r];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += v[r] * v[r];
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < n; r++) v[r] /= norm;
      basis.push(v);
      for (let r = 0; r < n; r++) out[r * cols + blk * n + j] = v[r];
    }
  }
  return out;
}

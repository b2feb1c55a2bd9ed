// The Transformer skip model as dispatches (the C engine's transformerModel.c): encoder → dropout → + learned
// positions → pre-LN blocks [h += drop(attn(LN(h))·Wo + bo); h += drop(relu(LN(h)·W1 + b1)·W2 + b2)] → final LN →
// heads → loss, and back. Bias, ReLU, dropout and the residual add ride on the matrix products' epilogues, so a
// block is seven dispatches forward. The key third of attn.bqkv is left out, as in models/transformer.ts: a
// constant added to all of a query's scores cannot change their softmax, so its gradient is exactly zero.
import { ACT, rowMajor, STATE, transposed, type Program } from './program.ts';

const attnSite = (l: number) => 1 + 2 * l;
const ffSite = (l: number) => 2 + 2 * l;

/** Forward to the heads' outputs; returns the final layer norm's output (the heads' input). */
export function transformerForward(p: Program): number {
  const { at, shape: s } = p;
  const d = s.hidden;
  const N = at.N;
  const name = (l: number, n: string) => `transformer.${l}.${n}`;
  const norm = (x: number, gamma: string, beta: string, xhat: number, r: number, y: number) =>
    p.run('layerNormForward', { N, xOff: x, gammaOff: p.tensor(gamma).param, betaOff: p.tensor(beta).param, xhatOff: xhat, rOff: r, yOff: y }, N);
  const streamAfter = (l: number) => (l + 1 < s.layers ? at.transformer[l + 1].stream : at.final.stream);
  p.encoderForward(at.transformer[0].stream, { buf: STATE, off: p.tensor('transformer.position').param, ld: d, wrap: at.T });
  for (let l = 0; l < s.layers; l++) {
    const a = at.transformer[l];
    norm(a.stream, name(l, 'ln1.gamma'), name(l, 'ln1.beta'), a.xhat1, a.r1, a.y1);
    p.product({ M: N, N: 3 * d, K: d, a: rowMajor(ACT, a.y1, d), b: rowMajor(STATE, p.tensor(name(l, 'attn.wqkv')).param, 3 * d), c: { buf: ACT, off: a.qkv, ld: 3 * d }, bias: p.tensor(name(l, 'attn.bqkv')).param, skip: [d, 2 * d] });
    p.run('attentionForward', { B: at.B, T: at.T, qkvOff: a.qkv, presentOff: at.present, pOff: a.probabilities, outOff: a.merged, scale: 1 / Math.sqrt(d / s.heads) }, at.B * s.heads);
    p.product({
      M: N,
      N: d,
      K: d,
      a: rowMajor(ACT, a.merged, d),
      b: rowMajor(STATE, p.tensor(name(l, 'attn.wo')).param, d),
      c: { buf: ACT, off: a.stream1, ld: d },
      bias: p.tensor(name(l, 'attn.bo')).param,
      dropout: attnSite(l),
      residual: { buf: ACT, off: a.stream, ld: d },
    });
    norm(a.stream1, name(l, 'ln2.gamma'), name(l, 'ln2.beta'), a.xhat2, a.r2, a.y2);
    p.product({ M: N, N: s.ff, K: d, a: rowMajor(ACT, a.y2, d), b: rowMajor(STATE, p.tensor(name(l, 'ff.w1')).param, s.ff), c: { buf: ACT, off: a.hidden, ld: s.ff }, bias: p.tensor(name(l, 'ff.b1')).param, relu: true });
    p.product({
      M: N,
      N: d,
      K: s.ff,
      a: rowMajor(ACT, a.hidden, s.ff),
      b: rowMajor(STATE, p.tensor(name(l, 'ff.w2')).param, d),
      c: { buf: ACT, off: streamAfter(l), ld: d },
      bias: p.tensor(name(l, 'ff.b2')).param,
      dropout: ffSite(l),
      residual: { buf: ACT, off: a.stream1, ld: d },
    });
  }
  const f = at.final;
  norm(f.stream, 'transformer.final.gamma', 'transformer.final.beta', f.xhat, f.r, f.y);
  p.headsForward(f.y);
  return f.y;
}

/** The loss, then every gradient: after this the gradient region of state holds the batch's gradient. */
export function transformerBackward(p: Program): void {
  const { at, shape: s } = p;
  const d = s.hidden;
  const N = at.N;
  const name = (l: number, n: string) => `transformer.${l}.${n}`;
  const dH = at.gradA; // the gradient at the residual stream, carried down the layers
  /** dH (+)= the layer norm's input gradient from dY at its output; its γ and β gradients. */
  const normBackward = (xhat: number, r: number, gamma: string, beta: string, accumulate: boolean) => {
    p.run('layerNormBackward', { N, dyOff: at.dY, xhatOff: xhat, rOff: r, gammaOff: p.tensor(gamma).param, dxOff: dH, accumulate: accumulate ? 1 : 0 }, N);
    p.run('layerNormParams', { N, dyOff: at.dY, xhatOff: xhat, dGammaOff: p.tensor(gamma).grad, dBetaOff: p.tensor(beta).grad }, Math.ceil(d / 64));
  };
  /** The gradient at a residual branch's output: dH through the branch's dropout site. */
  const branch = (site: number) => {
    if (!p.dropping) return dH;
    p.dropout(site, N * d, dH, at.dropped);
    return at.dropped;
  };
  p.lossAndHeadsBackward(at.final.y, at.dY);
  normBackward(at.final.xhat, at.final.r, 'transformer.final.gamma', 'transformer.final.beta', false);
  for (let l = s.layers - 1; l >= 0; l--) {
    const a = at.transformer[l];
    // out = h1 + drop(relu(y2·W1 + b1)·W2 + b2)
    let dBranch = branch(ffSite(l));
    p.weightGradient(name(l, 'ff.w2'), s.ff, d, transposed(ACT, a.hidden, s.ff), rowMajor(ACT, dBranch, d), true);
    p.product({ M: N, N: s.ff, K: d, a: rowMajor(ACT, dBranch, d), b: transposed(STATE, p.tensor(name(l, 'ff.w2')).param, d), c: { buf: ACT, off: at.dHidden, ld: s.ff }, gate: a.hidden });
    p.weightGradient(name(l, 'ff.w1'), d, s.ff, transposed(ACT, a.y2, d), rowMajor(ACT, at.dHidden, s.ff), true);
    p.product({ M: N, N: d, K: s.ff, a: rowMajor(ACT, at.dHidden, s.ff), b: transposed(STATE, p.tensor(name(l, 'ff.w1')).param, s.ff), c: { buf: ACT, off: at.dY, ld: d } });
    normBackward(a.xhat2, a.r2, name(l, 'ln2.gamma'), name(l, 'ln2.beta'), true);
    // h1 = h + drop(attn(y1)·Wo + bo)
    dBranch = branch(attnSite(l));
    p.weightGradient(name(l, 'attn.wo'), d, d, transposed(ACT, a.merged, d), rowMajor(ACT, dBranch, d), true);
    p.product({ M: N, N: d, K: d, a: rowMajor(ACT, dBranch, d), b: transposed(STATE, p.tensor(name(l, 'attn.wo')).param, d), c: { buf: ACT, off: at.dMerged, ld: d } });
    p.run('attentionBackward', { B: at.B, T: at.T, qkvOff: a.qkv, pOff: a.probabilities, dOutOff: at.dMerged, dQkvOff: at.dQkv, scale: 1 / Math.sqrt(d / s.heads) }, at.B * s.heads);
    p.weightGradient(name(l, 'attn.wqkv'), d, 3 * d, transposed(ACT, a.y1, d), rowMajor(ACT, at.dQkv, 3 * d), true, [d, 2 * d]);
    p.product({ M: N, N: d, K: 3 * d, a: rowMajor(ACT, at.dQkv, 3 * d), b: transposed(STATE, p.tensor(name(l, 'attn.wqkv')).param, 3 * d), c: { buf: ACT, off: at.dY, ld: d } });
    normBackward(a.xhat1, a.r1, name(l, 'ln1.gamma'), name(l, 'ln1.beta'), true);
  }
  p.run('positions', { B: at.B, T: at.T, D: d, dhOff: dH, gradOff: p.tensor('transformer.position').grad }, Math.ceil((at.T * d) / 256));
  const dEncoded = p.dropping ? at.dropped : dH;
  if (p.dropping) p.dropout(0, N * d, dH, at.dropped);
  p.encoderBackward(dEncoded);
}

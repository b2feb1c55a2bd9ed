// The GPU procedure's pure parts: loss-curve comparison and the report ratios (the device run itself needs a GPU).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCurves } from '../../../scripts/gpu/compare.ts';
import { parseJsonLines, throughputRatios, type ThroughputRow } from '../../../scripts/gpu/summarize.ts';

const curve = [0.83, 0.8, 0.77, 0.72, 0.7];

test('curves within float tolerance agree; the first-step bound is the tighter one', () => {
  const nudged = curve.map((x, i) => x * (1 + (i === 0 ? 1e-6 : 5e-3)));
  const c = compareCurves(curve, nudged);
  assert.ok(c.ok);
  assert.is(c.steps, curve.length);
  assert.ok(c.maxRelDiff > 4e-3 && c.maxRelDiff < 6e-3);

  const firstOff = curve.map((x, i) => (i === 0 ? x * (1 + 1e-3) : x));
  const f = compareCurves(curve, firstOff);
  assert.not.ok(f.ok, 'a 1e-3 gap on the first (forward-only) step means different arithmetic');
  assert.ok(Math.abs(f.firstStepRelDiff - 1e-3) < 1e-5);
});

test('a diverging, NaN or shorter curve fails', () => {
  assert.not.ok(compareCurves(curve, curve.map((x, i) => (i === 3 ? x * 1.05 : x))).ok);
  assert.not.ok(compareCurves(curve, curve.map((x, i) => (i === 2 ? Number.NaN : x))).ok);
  assert.not.ok(compareCurves(curve, curve.slice(0, 3)).ok);
  assert.not.ok(compareCurves([], []).ok);
});

test('ratios: webgpu over wasm and over torch-cuda, per model and batch; f16 rows apart', () => {
  const rows: ThroughputRow[] = [
    { model: 'lstm', backend: 'webgpu', batch: 512, seqPerSec: 9000, precision: 'f32' },
    { model: 'lstm', backend: 'webgpu', batch: 512, seqPerSec: 12000, precision: 'f16' }, // its own column, not the f32 figure
    { model: 'lstm', backend: 'wasm', batch: 512, seqPerSec: 3000 },
    { model: 'lstm', backend: 'torch-cuda', batch: 512, seqPerSec: 36000 },
    { model: 'lstm', backend: 'webgpu', batch: 64, seqPerSec: 500 },
    { model: 'lstm', backend: 'wasm', batch: 64, seqPerSec: 1000 },
    { model: 'lstm-tf.layers', backend: 'wasm', batch: 64, seqPerSec: 555 }, // no GPU twin: no ratio row
    { model: 'transformer', backend: 'torch-cuda', batch: 64, seqPerSec: 20000 },
  ];
  const ratios = throughputRatios(rows);
  assert.equal(
    ratios.map((r) => [r.model, r.batch, r.gpuOverCpu, r.gpuOverTorch, r.webgpuF16]),
    [
      ['lstm', 64, 0.5, null, null],
      ['lstm', 512, 3, 0.25, 12000],
      ['transformer', 64, null, null, null],
    ],
  );
});

test('JSON lines: log lines and a truncated last line are skipped', () => {
  const text = 'Orthogonal initializer warning\n{"model":"lstm","backend":"wasm","batch":64,"seqPerSec":1}\n\n{"model":"trans';
  assert.equal(parseJsonLines(text), [{ model: 'lstm', backend: 'wasm', batch: 64, seqPerSec: 1 }]);
});

test.run();

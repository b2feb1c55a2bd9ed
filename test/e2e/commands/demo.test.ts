// `skiptrain demo` as the README's first command runs it, made small with its own options (--sessions, --epochs): it
// synthesizes the data into .cache/synth/demo under the working directory, trains, evaluates on the test day and
// prints that day's scores and where the run, the report and the TensorBoard logs are. Then the demo as it ships
// (30,000 sessions, 3 epochs, backend auto): its report's per-position view holds up at every position — the last
// one included, which collapsed while the model read "last track" at position 20 of sessions the data had cut there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfigYaml } from '../../../src/config/yaml.ts';
import { BASELINE_NAMES } from '../../../src/eval/baselines.ts';

const cwd = mkdtempSync(join(tmpdir(), 'skiptrain-demo-'));
const bin = resolve('bin/skiptrain.js');

test('demo: synthesizes, trains, scores the test day beside the baselines and says where everything is', () => {
  // 1,000 sessions over 5 days: 200 on the test day (2018-07-19).
  const r = spawnSync(process.execPath, [bin, 'demo', '--sessions', '1000', '--epochs', '1', '--backend', 'wasm'], { cwd, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /evaluate the last checkpoint on the test day \(2018-07-19\)/);
  assert.match(r.stdout, /^200 sessions \(/m);

  // The printed table: the model and every baseline, with MAA and FPA.
  const rows = new Map<string, number[]>();
  for (const line of r.stdout.split('\n')) {
    const m = line.match(/^(\w+)\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d+\.\d{4})$/);
    if (m) rows.set(m[1], m.slice(2).map(Number));
  }
  assert.equal([...rows.keys()].sort(), ['model', ...BASELINE_NAMES].sort(), r.stdout);

  const where = (label: string) => r.stdout.match(new RegExp(`^${label}:\\s+(.+)$`, 'm'))?.[1];
  const runFolder = join(cwd, where('run folder') ?? 'missing');
  assert.ok(existsSync(join(runFolder, 'checkpoints', 'latest')), `a checkpoint in ${runFolder}`);
  assert.ok(readdirSync(runFolder).some((f) => f.startsWith('events.out.tfevents.')), 'TensorBoard event file');
  assert.match(where('TensorBoard') ?? '', /^tensorboard --logdir /);
  assert.ok(existsSync(join(cwd, where('report') ?? 'missing')), 'the HTML report');
  assert.ok(existsSync(join(cwd, '.cache', 'synth', 'demo', 'training_set.tar.gz')), 'the synthetic archive');

  // The saved metrics are the printed ones, scored on the test day with the run's own config.
  const metrics = JSON.parse(readFileSync(join(runFolder, 'metrics.json'), 'utf8'));
  assert.is(metrics.sessions, 200);
  assert.equal(metrics.source.days, ['2018-07-19']);
  assert.is(metrics.model.maa.toFixed(4), rows.get('model')![0].toFixed(4));
  assert.is(metrics.model.fpa.toFixed(4), rows.get('model')![1].toFixed(4));
  const config = parseConfigYaml(readFileSync(join(runFolder, 'config.yaml'), 'utf8'), 'config.yaml');
  assert.equal([config.model.type, config.data.synth.sessions, config.train.epochs, config.data.testDays], ['lstm', 1000, 1, ['2018-07-19']]);
});

test('the shipped demo: at every position of the per-position view, accuracy ≥ repeat-last-skip − 0.01 and the mean probability within 0.05 of the skip rate', () => {
  const shipped = mkdtempSync(join(tmpdir(), 'skiptrain-demo-shipped-'));
  try {
    const r = spawnSync(process.execPath, [bin, 'demo'], { cwd: shipped, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const runFolder = join(shipped, r.stdout.match(/^run folder:\s+(.+)$/m)![1]);
    const { byPosition } = JSON.parse(readFileSync(join(runFolder, 'metrics.json'), 'utf8')) as {
      byPosition: { position: number; skipRate: number; meanPredicted: number; accuracy: Record<string, number> }[];
    };
    assert.equal(byPosition.map((p) => p.position), Array.from({ length: 20 }, (_, i) => i + 1));
    for (const p of byPosition) {
      assert.ok(p.accuracy.model >= p.accuracy.lastSkip - 0.01, `position ${p.position}: accuracy ${p.accuracy.model} vs repeat-last-skip ${p.accuracy.lastSkip}`);
      assert.ok(Math.abs(p.meanPredicted - p.skipRate) <= 0.05, `position ${p.position}: mean probability ${p.meanPredicted} vs skip rate ${p.skipRate}`);
    }
  } finally {
    rmSync(shipped, { recursive: true, force: true });
  }
});

test.after(() => rmSync(cwd, { recursive: true, force: true }));
test.run();

// Sweep files: every bad input is one ConfigError naming the file, line and key, before any training; the same seed
// draws the same trials.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../../src/errors.ts';
import { drawTrials } from '../../../../src/train/sweep/draw.ts';
import { readdirSync } from 'node:fs';
import { CONFIGS_DIR, shippedConfigNames } from '../../../../src/config/load.ts';
import { loadSweepSpec, parseSweepSpec, trialConfig } from '../../../../src/train/sweep/spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiptrain-sweep-spec-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `base: lstm-synth
method: random
trials: 6
seed: 4
budget:
  steps: 90
halving: {eta: 3, rungs: 2}
overrides:
  data.synth.sessions: 2000
  train:
    workers: 1
space:
  train.lr: {loguniform: [0.0003, 0.01]}
  model.hidden: {choice: [16, 32, 64]}
  model.dropout: {uniform: [0, 0.3]}
  model.layers: {int: [1, 2]}
`;

function message(text: string, file = 'sweep.yaml'): string {
  try {
    const path = join(dir, file);
    writeFileSync(path, text);
    loadSweepSpec(path);
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as Error).message;
  }
  assert.unreachable('expected a ConfigError');
  return '';
}

test('a good sweep file parses into the typed spec', () => {
  const spec = parseSweepSpec(GOOD, 'sweeps/lr.yaml');
  assert.is(spec.name, 'lr');
  assert.is(spec.trials, 6);
  assert.equal(spec.budget, { unit: 'steps', amount: 90 });
  assert.equal(spec.halving, { eta: 3, rungs: 2 });
  assert.equal(spec.overrides, { 'data.synth.sessions': 2000, 'train.workers': 1 });
  assert.equal(spec.space.map(([k, d]) => [k, d.kind]), [['train.lr', 'loguniform'], ['model.hidden', 'choice'], ['model.dropout', 'uniform'], ['model.layers', 'int']]);
});

for (const [what, text, pattern] of [
  ['an unknown config key', GOOD.replace('model.hidden:', 'model.hiden:'), /sweep\.yaml:14: sweep key 'space\.model\.hiden': unknown config key; did you mean model\.hidden\?/],
  ['an unknown override key', GOOD.replace('data.synth.sessions', 'data.synth.sesions'), /sweep key 'overrides\.data\.synth\.sesions': unknown config key; did you mean data\.synth\.sessions/],
  ['an unknown sweep key', GOOD.replace('method:', 'methd:'), /sweep\.yaml:2: sweep key 'methd': unknown key; did you mean method\?/],
  ['a range with low ≥ high', GOOD.replace('[0, 0.3]', '[0.3, 0.3]'), /sweep\.yaml:15: sweep key 'space\.model\.dropout': low 0\.3 must be below high 0\.3/],
  ['loguniform with a non-positive bound', GOOD.replace('[0.0003, 0.01]', '[0, 0.01]'), /sweep key 'space\.train\.lr': loguniform needs bounds above 0/],
  ['an empty choice', GOOD.replace('[16, 32, 64]', '[]'), /sweep\.yaml:14: sweep key 'space\.model\.hidden': choice is empty/],
  ['a value the key does not accept', GOOD.replace('[0, 0.3]', '[0, 1.5]'), /sweep key 'space\.model\.dropout': expected a number ≥ 0 and < 1, got 1\.5/],
  ['a distribution over a non-numeric key', GOOD.replace('model.layers: {int: [1, 2]}', 'train.decay: {int: [1, 2]}'), /int needs a numeric key/],
  ['an unknown distribution', GOOD.replace('{int: [1, 2]}', '{normal: [1, 2]}'), /unknown distribution 'normal'/],
  ['no budget', GOOD.replace('budget:\n  steps: 90\n', ''), /sweep key 'budget': required: one of steps: N or epochs: N/],
  ['a budget in hours', GOOD.replace('steps: 90', 'hours: 2'), /sweep key 'budget\.hours': expected steps or epochs/],
  ['no space', GOOD.slice(0, GOOD.indexOf('space:')), /sweep key 'space': required/],
  ['zero trials', GOOD.replace('trials: 6', 'trials: 0'), /sweep\.yaml:3: sweep key 'trials': expected an integer ≥ 1, got 0/],
  // 3 hidden × 2 layers = 6 points.
  ['a grid larger than trials', GOOD.replace('method: random', 'method: grid').replace('trials: 6', 'trials: 5').replace(/ {2}train\.lr.*\n/, '').replace(/ {2}model\.dropout.*\n/, ''), /sweep\.yaml:3: sweep key 'trials': the grid has 6 points, more than trials: 5/],
  ['a grid over a uniform range', GOOD.replace('method: random', 'method: grid'), /loguniform has no grid points/],
  ['a base config that does not exist', GOOD.replace('base: lstm-synth', 'base: lstm-sinth'), /config 'lstm-sinth' not found.*did you mean lstm-synth/],
  ['a key both fixed and searched', GOOD.replace('data.synth.sessions: 2000', 'model.hidden: 8'), /is also in overrides/],
] as const) {
  test(`sweep file: ${what} is a ConfigError naming the file and key`, () => {
    assert.match(message(text), pattern);
  });
}

test('a sweep without listed training days is refused: it could not avoid reading the test days', () => {
  writeFileSync(join(dir, 'base.yaml'), 'data:\n  synth:\n    sessions: 100\n    days: 3\n  valDays: 2018-07-16\n  testDays: 2018-07-17\n');
  const m = message(GOOD.replace('base: lstm-synth', `base: ${join(dir, 'base.yaml')}`));
  assert.match(m, /a sweep needs data\.split date with data\.trainDays, data\.valDays and data\.testDays listed/);
});

test('a grid lists every point; the trials count may exceed it', () => {
  const spec = parseSweepSpec('base: lstm-synth\nmethod: grid\ntrials: 10\nbudget: {epochs: 1}\nspace:\n  model.hidden: {choice: [8, 16]}\n  model.layers: {int: [1, 3]}\n', 'g.yaml');
  assert.equal(drawTrials(spec), [
    { 'model.hidden': 8, 'model.layers': 1 },
    { 'model.hidden': 8, 'model.layers': 2 },
    { 'model.hidden': 8, 'model.layers': 3 },
    { 'model.hidden': 16, 'model.layers': 1 },
    { 'model.hidden': 16, 'model.layers': 2 },
    { 'model.hidden': 16, 'model.layers': 3 },
  ]);
});

test('random draws: seeded, inside their ranges, and another seed draws others', () => {
  const spec = parseSweepSpec(GOOD, 'lr.yaml');
  const a = drawTrials(spec);
  assert.equal(drawTrials(parseSweepSpec(GOOD, 'lr.yaml')), a);
  assert.is(a.length, 6);
  for (const t of a) {
    assert.ok((t['train.lr'] as number) >= 0.0003 && (t['train.lr'] as number) <= 0.01);
    assert.ok([16, 32, 64].includes(t['model.hidden'] as number));
    assert.ok((t['model.dropout'] as number) >= 0 && (t['model.dropout'] as number) < 0.3);
    assert.ok([1, 2].includes(t['model.layers'] as number));
  }
  assert.not.equal(drawTrials(parseSweepSpec(GOOD.replace('seed: 4', 'seed: 5'), 'lr.yaml')), a);
});

test('a trial config is the base ← overrides ← values ← budget', () => {
  const spec = parseSweepSpec(GOOD, 'lr.yaml');
  const config = trialConfig(spec, { 'train.lr': 0.002, 'model.hidden': 32, 'model.dropout': 0.2, 'model.layers': 2 });
  assert.is(config.experiment, 'lstm-synth');
  assert.is(config.data.synth.sessions, 2000);
  assert.is(config.train.workers, 1);
  assert.is(config.train.lr, 0.002);
  assert.is(config.model.hidden, 32);
  assert.is(config.train.maxSteps, 90);
});

test('the shipped sweep files load by name, every trial config is valid, and they are not listed as configs', () => {
  const files = readdirSync(CONFIGS_DIR).filter((f) => f.startsWith('sweep-'));
  assert.equal(files.sort(), ['sweep-lstm-synth.yaml', 'sweep-transformer-synth.yaml']);
  for (const file of files) {
    const spec = loadSweepSpec(file.replace('.yaml', ''));
    for (const values of drawTrials(spec)) trialConfig(spec, values);
    assert.not.ok(shippedConfigNames().includes(file.replace('.yaml', '')));
  }
});

test.run();

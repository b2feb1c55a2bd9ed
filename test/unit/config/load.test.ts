import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { loadConfig, loadConfigDetailed, configOverridesFromArgv, shippedConfigNames, CONFIGS_DIR } from '../../../src/config/load.ts';
import { DEFAULTS } from '../../../src/config/schema.ts';
import { ConfigError } from '../../../src/errors.ts';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as Error).message;
  }
  assert.unreachable('expected a ConfigError');
  return '';
}

const dir = mkdtempSync(join(tmpdir(), 'skiptrain-config-'));
function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
test.after(() => rmSync(dir, { recursive: true, force: true }));
const MINIMAL = 'data:\n  logs: logs.csv\n  tracks: tracks.csv\n  split: session-hash\n';

test('every shipped config loads and matches its data layout', () => {
  const names = shippedConfigNames();
  for (const want of ['lstm', 'transformer', 'lstm-encdec', 'lstm-synth', 'transformer-synth', 'lstm-encdec-synth', 'lstm-mini', 'transformer-mini']) {
    assert.ok(names.includes(want), `configs/${want}.yaml is shipped`);
  }
  for (const name of names) {
    const c = loadConfig(name, {});
    assert.is(c.experiment, name, `${name}: experiment names the config`);
    assert.is(c.model.type, name.startsWith('transformer') ? 'transformer' : name.includes('encdec') ? 'encoder-decoder' : 'lstm');
    assert.is(c.task, 'challenge');
    if (name.endsWith('-synth')) {
      assert.ok(c.data.synth.sessions > 0);
      assert.is(c.data.logs, '.cache/synth/default/training_set.tar.gz');
      const lastDay = new Date(Date.parse(c.data.synth.startDate) + (c.data.synth.days - 1) * 86_400_000).toISOString().slice(0, 10);
      const dayBefore = new Date(Date.parse(lastDay) - 86_400_000).toISOString().slice(0, 10);
      assert.equal(c.data.testDays, [lastDay], `${name}: the last synthetic day is the test day`);
      assert.equal(c.data.valDays, [dayBefore], `${name}: the day before validates`);
      assert.is(c.data.trainDays.length, c.data.synth.days - 2);
    } else if (name.endsWith('-mini')) {
      assert.is(c.data.split, 'session-hash');
      assert.ok(c.data.testFraction > 0, `${name}: a test share apart from the validation share`);
      assert.is(c.data.logs, 'data/mini/log_mini.csv');
    } else {
      assert.is(c.data.logs, 'data/mssd/training_set.tar.gz');
      assert.is(c.data.trainDays.length, 64);
      assert.equal(c.data.valDays, ['2018-09-17']);
      assert.equal(c.data.testDays, ['2018-09-18']);
      assert.is(c.train.warmupSteps, 0, `${name}: warm-up as a fraction of the planned steps`);
      assert.ok(c.train.warmup > 0 && c.train.warmup < 0.1);
    }
  }
});

test('a bare name, a name with .yaml and a path give the same config', () => {
  const byName = loadConfig('lstm-synth', {});
  assert.equal(loadConfig('lstm-synth.yaml', {}), byName);
  assert.equal(loadConfig(join(CONFIGS_DIR, 'lstm-synth.yaml'), {}), byName);
  assert.match(configError(() => loadConfig('lstm-synht', {})), /not found.*did you mean lstm-synth\?/);
});

test('merge order: defaults, then the file, then the command line', () => {
  const path = yamlFile('order.yaml', `${MINIMAL}model:\n  hidden: 32\n  layers: 2\ntrain:\n  lr: 0.01\n`);
  const { config, origins } = loadConfigDetailed(path, { 'model.hidden': '128' });
  assert.is(config.model.hidden, 128);
  assert.is(config.model.layers, 2);
  assert.is(config.train.lr, 0.01);
  assert.is(config.train.epochs, DEFAULTS.train.epochs);
  assert.is(origins.get('model.hidden'), 'on the command line');
  assert.match(origins.get('model.layers') ?? '', /order\.yaml:7$/);
  assert.not.ok(origins.has('train.epochs'));
});

test('overrides: flat strings, nested objects, kebab-case and argv tokens agree and are coerced', () => {
  const flat = loadConfig('lstm-synth', {
    'model.hidden': '128',
    'train.lr': '1e-3',
    'data.trainDays': '2018-07-15..2018-07-16',
    'model.type': 'transformer',
  });
  assert.is(flat.model.hidden, 128);
  assert.is(flat.train.lr, 0.001);
  assert.equal(flat.data.trainDays, ['2018-07-15', '2018-07-16']);
  const nested = loadConfig('lstm-synth', {
    model: { hidden: 128, type: 'transformer' },
    train: { lr: 0.001 },
    data: { 'train-days': '2018-07-15..2018-07-16' },
  });
  assert.equal(nested, flat);
  const argv = loadConfig('lstm-synth', [
    '--model.hidden', '128', '--train.lr=0.001', '--data.train-days', '2018-07-15,2018-07-16', '--model.type', 'transformer',
  ]);
  assert.equal(argv, flat);
});

test('a real yargs parse of the train command line yields the overrides', async () => {
  const argv = await yargs(['train', 'lstm-synth', '--model.hidden', '32', '--data.held-out-days', '2018-07-19', '--train.seed', '007', '--resume'])
    .command('train [config]', 'train', (y) => y.positional('config', { type: 'string' }).option('resume', { type: 'boolean' }))
    .parseAsync();
  const overrides = configOverridesFromArgv(argv, ['config', 'resume']);
  const c = loadConfig(argv.config as string, overrides);
  assert.is(c.model.hidden, 32);
  assert.is(c.train.seed, 7);
  // The deprecated key on the command line overrides the file's valDays and testDays.
  assert.equal([c.data.valDays, c.data.testDays, c.data.heldOutDays], [['2018-07-19'], ['2018-07-19'], []]);
  const wrong = await yargs(['train', '--model.hiden', '32']).command('train [config]', 'train').parseAsync();
  assert.match(configError(() => loadConfig('lstm-synth', configOverridesFromArgv(wrong, ['config']))), /model\.hiden.*did you mean model\.hidden\?/);
});

test('unknown keys suggest the closest known key', () => {
  assert.match(configError(() => loadConfig('lstm', { 'model.hiden': '3' })), /'model\.hiden'.*unknown key; did you mean model\.hidden\?/);
  assert.match(configError(() => loadConfig('lstm', { hidden: '3' })), /did you mean model\.hidden\?/);
  assert.match(configError(() => loadConfig('lstm', { 'model.lr': '0.1' })), /did you mean train\.lr\?/);
  assert.match(configError(() => loadConfig('lstm', { modle: { hidden: 3 } })), /'modle\.hidden'.*did you mean model\.hidden\?/);
  assert.match(configError(() => loadConfig('lstm', { 'zzzzzzzzzz.qqqqqqq': '1' })), /unknown key; known sections: experiment/);
  assert.match(configError(() => loadConfig('lstm', { model: 3 })), /'model' is a section/);
});

test('wrong types and out-of-range values name the key, the accepted range and the source', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'model.hidden': 'abc' }, /'model\.hidden': expected an integer from 1 to 4096, got 'abc' \(set on the command line\)/],
    [{ 'model.hidden': '0' }, /model\.hidden/],
    [{ 'model.hidden': '4097' }, /model\.hidden/],
    [{ 'model.hidden': '12.5' }, /an integer/],
    [{ 'model.dropout': '1' }, /'model\.dropout': expected a number ≥ 0 and < 1/],
    [{ 'train.lr': '0' }, /'train\.lr': expected a number > 0/],
    [{ 'train.batchSize': '0' }, /train\.batchSize/],
    [{ 'train.epochs': '0' }, /train\.epochs/],
    [{ 'model.type': 'gru' }, /'model\.type': expected one of lstm, transformer, encoder-decoder, got 'gru'/],
    [{ 'train.bestMetric': 'loss' }, /val\/loss, val\/accuracy/],
    [{ 'data.trainDays': '2018-02-30' }, /'data\.trainDays'.*no such calendar day/],
    [{ 'data.heldOutDays': 5 }, /'data\.heldOutDays': expected a list of days/],
    [{ experiment: 'a/b' }, /'experiment'.*names a folder/],
    [{ 'data.synth.startDate': '2018-13-01' }, /data\.synth\.startDate/],
    [{ 'data.unknownCategories': 'drop' }, /'data\.unknownCategories': expected one of other, error, got 'drop'/],
  ];
  for (const [overrides, pattern] of cases) assert.match(configError(() => loadConfig('lstm', overrides)), pattern);
});

test('rules across keys', () => {
  assert.match(configError(() => loadConfig('lstm', { 'data.heldOutDays': '2018-09-16..2018-09-17' })), /'data\.valDays': 2018-09-16 is both a training and a validation day/);
  assert.match(configError(() => loadConfig('lstm', { 'data.testDays': '2018-09-16' })), /'data\.testDays': 2018-09-16 is both a training and a test day/);
  assert.match(configError(() => loadConfig('lstm', { 'data.valDays': '' })), /'data\.valDays': is empty but data\.split is 'date'/);
  assert.ok(loadConfig('lstm', { 'data.valDays': '', 'data.split': 'session-hash' }));
  assert.match(
    configError(() => loadConfig('lstm-mini', { 'data.heldOutFraction': '0.5', 'data.testFraction': '0.5' })),
    /'data\.testFraction'.*leave no session to train on/,
  );
  assert.match(configError(() => loadConfig(undefined, { 'data.split': 'session-hash' })), /data\.logs is required/);
  assert.match(configError(() => loadConfig(undefined, { 'data.split': 'session-hash', 'data.logs': 'x.csv' })), /data\.tracks is required/);
  assert.ok(loadConfig(undefined, { 'data.split': 'session-hash' }, { requireData: false }));
  // The train command generates synthetic data, so no paths are needed then.
  assert.ok(loadConfig(undefined, { 'data.synth.sessions': '100', 'data.heldOutDays': '2018-07-18' }));
  assert.match(configError(() => loadConfig('lstm-synth', { 'data.synth.days': '3' })), /'data\.valDays': 2018-07-18 is outside the synthetic data's days 2018-07-15\.\.2018-07-17/);
  assert.match(configError(() => loadConfig('lstm-synth', { 'data.trainDays': '', 'data.heldOutDays': '2018-07-15..2018-07-19' })), /nothing is left to train on/);
  assert.match(configError(() => loadConfig('transformer', { 'model.heads': '3' })), /'model\.heads': 3 heads do not divide model\.hidden 128/);
  assert.ok(loadConfig('lstm', { 'model.heads': '3' }), 'heads only matter for the transformer');
});

test('YAML files: syntax errors and bad values name the file and line', () => {
  const broken = yamlFile('broken.yaml', 'model:\n  hidden: [1, 2\ntrain:\n  lr: 0.1\n');
  assert.match(configError(() => loadConfig(broken, {})), /broken\.yaml:\d+: YAML syntax error/);
  const duplicate = yamlFile('duplicate.yaml', `${MINIMAL}model:\n  hidden: 3\n  hidden: 4\n`);
  assert.match(configError(() => loadConfig(duplicate, {})), /duplicate\.yaml:7: YAML syntax error: Map keys must be unique/);
  const badValue = yamlFile('bad-value.yaml', `${MINIMAL}model:\n  type: lstm\n  dropout: 1.5\n`);
  assert.match(configError(() => loadConfig(badValue, {})), /'model\.dropout'.*\(set in .*bad-value\.yaml:7\)/);
  const unknown = yamlFile('unknown.yaml', `${MINIMAL}train:\n  learningRate: 0.1\n`);
  assert.match(configError(() => loadConfig(unknown, {})), /'train\.learningRate': unknown key.*unknown\.yaml:6/);
  const notMap = yamlFile('list.yaml', '- a\n- b\n');
  assert.match(configError(() => loadConfig(notMap, {})), /list\.yaml:1: expected a mapping/);
  const empty = yamlFile('empty.yaml', '# nothing here\n');
  const fromEmpty = loadConfig(empty, { 'data.split': 'session-hash' }, { requireData: false });
  assert.equal(fromEmpty, { ...DEFAULTS, data: { ...DEFAULTS.data, split: 'session-hash' } });
});


test('data.heldOutDays still works: it sets valDays and testDays, with one line of warning', () => {
  const warnings: string[] = [];
  const legacy = loadConfig(undefined, { 'data.synth.sessions': '100', 'data.heldOutDays': '2018-07-18' }, { warn: (l) => warnings.push(l) });
  assert.equal([legacy.data.valDays, legacy.data.testDays, legacy.data.heldOutDays], [['2018-07-18'], ['2018-07-18'], []]);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /data\.heldOutDays is deprecated.*data\.valDays and data\.testDays/);
  assert.not.match(warnings[0], /\n/);
  // Set on the same layer as one of the new keys: which should win is unclear, so an error naming both.
  assert.match(
    configError(() => loadConfig(undefined, { 'data.synth.sessions': '100', 'data.heldOutDays': '2018-07-18', 'data.testDays': '2018-07-17' }, { warn: () => {} })),
    /'data\.heldOutDays'.*data\.testDays are both set on the command line/,
  );
});

test.run();

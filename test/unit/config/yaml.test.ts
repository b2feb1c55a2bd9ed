import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, shippedConfigNames } from '../../../src/config/load.ts';
import { configToYaml, parseConfigYaml } from '../../../src/config/yaml.ts';
import { LEAF_PATHS, RULES } from '../../../src/config/rules.ts';
import { DEFAULTS } from '../../../src/config/schema.ts';
import { configKeysHelp } from '../../../src/config/help.ts';

test('a saved config loads back to an equal object (every shipped config, plus awkward values)', () => {
  for (const name of shippedConfigNames()) {
    const c = loadConfig(name, {});
    assert.equal(parseConfigYaml(configToYaml(c), `${name}/config.yaml`), c, name);
  }
  const awkward = loadConfig('lstm-synth', {
    experiment: '2019',
    checkpoints: 'runs: #1',
    'data.cache': '',
    'data.trainDays': '2018-07-15,2018-07-17',
    'train.lr': '1e-7',
    'model.dropout': '0.30000000000000004',
  });
  const text = configToYaml(awkward);
  const back = parseConfigYaml(text, 'config.yaml');
  assert.equal(back, awkward);
  assert.is(typeof back.experiment, 'string');
});

test('the saved YAML lists every key and writes day runs as ranges', () => {
  const text = configToYaml(loadConfig('lstm', {}));
  assert.match(text, /trainDays: \[ 2018-07-15\.\.2018-09-16 \]/);
  assert.match(text, /valDays: \[ 2018-09-17 \]/);
  assert.match(text, /testDays: \[ 2018-09-18 \]/);
  assert.match(text, /heldOutDays: \[\]/);
  for (const path of LEAF_PATHS) assert.ok(text.includes(`${path.split('.').pop()}:`), path);
});

test('the rules table covers exactly the schema and accepts the defaults', () => {
  assert.equal([...LEAF_PATHS].sort(), Object.keys(RULES).sort());
  // Defaults are valid values (only the cross-key rules, e.g. data.logs required, need a config file).
  const yaml = configToYaml({ ...DEFAULTS, data: { ...DEFAULTS.data, split: 'session-hash' } });
  assert.ok(parseConfigYaml(yaml, 'defaults.yaml', { requireData: false }));
});

test('the --help key list names every key with its current value', () => {
  const help = configKeysHelp(loadConfig('lstm', {})).split('\n');
  assert.is(help.length, LEAF_PATHS.length);
  assert.match(help.find((line) => line.includes('--model.hidden'))!, /--model\.hidden\s+128\s+an integer from 1 to 4096/);
  assert.match(help.find((line) => line.includes('--data.trainDays'))!, /2018-07-15\.\.2018-09-16/);
  assert.match(help.find((line) => line.includes('--data.unknownCategories'))!, /--data\.unknownCategories\s+other\s+one of other, error/);
});

test.run();

// What a resumed run says about its config: every key that differs from the checkpoint's config, with both values and
// where the new one was set, leaving out keys set on the command line; a config.yaml loads back to no difference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configChanges, describeConfigChange } from '../../../src/config/diff.ts';
import { loadConfig, loadConfigDetailed, shippedConfigNames } from '../../../src/config/load.ts';
import { configToYaml } from '../../../src/config/yaml.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiptrain-config-diff-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('every shipped config written as config.yaml loads back with no difference', () => {
  for (const name of shippedConfigNames()) {
    const config = loadConfig(name);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, configToYaml(config));
    assert.equal(configChanges(config, loadConfig(file)), [], name);
  }
});

test('a changed value is listed with its line, a removed one as the default; command-line keys are left out', () => {
  const saved = loadConfig('lstm-synth');
  const file = join(dir, 'config.yaml');
  const yaml = configToYaml(saved);
  writeFileSync(file, yaml.replace('  lr: 0.003', '  lr: 0.002').replace(/\n {2}warmupSteps: .*\n/, '\n'));
  const line = yaml.split('\n').indexOf('  lr: 0.003') + 1;
  const { config, origins } = loadConfigDetailed(file, { 'train.epochs': '9' });
  assert.equal(
    configChanges(saved, config, origins).map((c) => describeConfigChange(c, origins)),
    [`train.lr 0.003 → 0.002 (config.yaml:${line})`, 'train.warmupSteps 100 → 0 (default)'],
  );
  assert.equal(configChanges(saved, config).map((c) => c.key), ['train.epochs', 'train.lr', 'train.warmupSteps'], 'without origins, every difference');
});

test.run();

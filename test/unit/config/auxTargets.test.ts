// train.auxTargets and its shorthand model.auxWeight: how a config resolves to the auxiliary targets, what it
// refuses, and that the mapping survives the command line, YAML, --help and configs from before the key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import { configKeysHelp } from '../../../src/config/help.ts';
import { configOverridesFromArgv, loadConfig } from '../../../src/config/load.ts';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { configToYaml, parseConfigYaml } from '../../../src/config/yaml.ts';
import { ConfigError } from '../../../src/errors.ts';
import { auxTargetsOf, resolveAuxTargets } from '../../../src/models/auxTargets.ts';

const load = (overrides: Record<string, string>) => loadConfig('lstm-synth', overrides);

function refused(overrides: Record<string, string>, key: string, words: string): void {
  assert.throws(
    () => load(overrides),
    (e: unknown) => e instanceof ConfigError && e.message.includes(`'${key}'`) && e.message.includes(words),
    `${JSON.stringify(overrides)} refused naming ${key} and saying "${words}"`,
  );
}

test('without train.auxTargets, model.auxWeight spreads as w/4 over the four binary columns; reason_end is off', () => {
  assert.equal(auxTargetsOf(load({ 'model.auxWeight': '0.5' })), { skip_1: 0.125, skip_2: 0.125, skip_3: 0.125, not_skipped: 0.125, hist_user_behavior_reason_end: 0 });
  assert.equal(auxTargetsOf(load({ 'model.auxWeight': '0' })), resolveAuxTargets({ skip_1: 0, skip_2: 0, skip_3: 0, not_skipped: 0 }, 0));
  // A config from before the key (a checkpoint's manifest, an old config.yaml read as JSON) has no train.auxTargets.
  const { auxTargets: _, ...oldTrain } = DEFAULTS.train;
  const old = JSON.parse(JSON.stringify({ ...DEFAULTS, train: oldTrain })) as Config;
  assert.equal(auxTargetsOf(old), auxTargetsOf(DEFAULTS));
});

test('naming any column replaces the shorthand: unnamed columns weigh 0', () => {
  const c = load({ 'train.auxTargets': 'skip_1=0.3, hist_user_behavior_reason_end=0.1' });
  assert.equal(c.train.auxTargets, { skip_1: 0.3, hist_user_behavior_reason_end: 0.1 });
  assert.equal(auxTargetsOf(c), { skip_1: 0.3, skip_2: 0, skip_3: 0, not_skipped: 0, hist_user_behavior_reason_end: 0.1 });
  // The configured label may also be an auxiliary target, as skip_2 always was under the shorthand.
  assert.is(auxTargetsOf(load({ 'data.label': 'skip_1', 'train.auxTargets': 'skip_1=0.2' })).skip_1, 0.2);
  // An empty value is no mapping: the shorthand again.
  assert.equal(load({ 'train.auxTargets': '' }).train.auxTargets, {});
});

test('the command line takes name=weight pairs and --train.auxTargets.<name> <weight>, in any order: one stored order', async () => {
  const fromArgv = async (args: string[]) => loadConfig('lstm-synth', configOverridesFromArgv(await yargs(args).parse(), [])).train.auxTargets;
  const want = { skip_1: 0.3, not_skipped: 0.2, hist_user_behavior_reason_end: 0.1 };
  assert.equal(await fromArgv(['--train.auxTargets', 'hist_user_behavior_reason_end=0.1,not_skipped=0.2,skip_1=0.3']), want);
  assert.equal(await fromArgv(['--train.auxTargets.hist_user_behavior_reason_end', '0.1', '--train.auxTargets.skip_1', '0.3', '--train.auxTargets.not_skipped', '0.2']), want);
  assert.equal(JSON.stringify(await fromArgv(['--train.auxTargets', 'not_skipped=0.2,skip_1=0.3,hist_user_behavior_reason_end=0.1'])), JSON.stringify(want));
});

test('refused: unknown columns (with a suggestion), negative or non-numeric weights, pairs without a weight', () => {
  refused({ 'train.auxTargets': 'skip1=0.3' }, 'train.auxTargets', "unknown name 'skip1'; did you mean skip_1?");
  refused({ 'train.auxTargets': 'reason_end=0.3' }, 'train.auxTargets', 'names: skip_1, skip_2, skip_3, not_skipped, hist_user_behavior_reason_end');
  refused({ 'train.auxTargets': 'skip_1=-0.1' }, 'train.auxTargets.skip_1', 'a number from 0 to 100');
  refused({ 'train.auxTargets': 'skip_1=lots' }, 'train.auxTargets.skip_1', 'a number from 0 to 100');
  refused({ 'train.auxTargets': 'skip_1' }, 'train.auxTargets', 'name=weight pairs');
});

test('model.auxWeight beside train.auxTargets: at its default or agreeing it stands, otherwise refused', () => {
  refused({ 'train.auxTargets': 'skip_1=0.3', 'model.auxWeight': '0.5' }, 'model.auxWeight', 'says otherwise');
  refused({ 'train.auxTargets': 'hist_user_behavior_reason_end=0.1', 'model.auxWeight': '0' }, 'model.auxWeight', 'says otherwise');
  const agreeing = load({ 'train.auxTargets': 'skip_1=0.1,skip_2=0.1,skip_3=0.1,not_skipped=0.1', 'model.auxWeight': '0.4' });
  assert.equal(auxTargetsOf(agreeing), resolveAuxTargets(undefined, 0.4));
  // Every saved config.yaml writes model.auxWeight at its default beside the mapping.
  assert.is(auxTargetsOf(load({ 'train.auxTargets': 'skip_3=1' })).skip_3, 1);
});

test('f16 is refused where the reason-end head sends training to TensorFlow.js', () => {
  refused({ 'train.auxTargets': 'hist_user_behavior_reason_end=0.1', 'train.precision': 'f16' }, 'train.precision', 'does not run the hist_user_behavior_reason_end head');
  assert.is(load({ 'train.auxTargets': 'skip_1=0.2,skip_3=0.1', 'train.precision': 'f16' }).train.precision, 'f16');
});

test('a saved config with a mapping loads back equal; --help lists the key, its value and the precedence', () => {
  const c = load({ 'train.auxTargets': 'not_skipped=0.25,hist_user_behavior_reason_end=0.5' });
  const back = parseConfigYaml(configToYaml(c), 'config.yaml');
  assert.equal(back, c);
  const line = configKeysHelp(c).split('\n').find((l) => l.includes('--train.auxTargets'))!;
  assert.match(line, 'not_skipped=0.25,hist_user_behavior_reason_end=0.5');
  assert.match(line, 'replaces model.auxWeight');
  assert.match(configKeysHelp().split('\n').find((l) => l.includes('--train.auxTargets'))!, "''");
});

test.run();

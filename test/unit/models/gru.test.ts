// model.cell: the config takes gru for the recurrent models and refuses it elsewhere; a config without the key (one
// saved before it existed) is the LSTM it always was; the GRU's weights are named and shaped as models/gru.ts says;
// and which engines run it. (Its numbers: kernels/gruGradient.test.ts, nativeEngine.test.ts, overfit.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configKeysHelp } from '../../../src/config/help.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { ModelConfig } from '../../../src/config/schema.ts';
import { resolveAuxTargets } from '../../../src/models/auxTargets.ts';
import { engineLacks } from '../../../src/models/engineSupport.ts';
import { createModel } from '../../../src/models/model.ts';
import { tinyEncoderDecoder, tinyGru, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const F = 5;
/** model.auxWeight's default as auxiliary targets: the binary heads only. */
const SHORTHAND = resolveAuxTargets(undefined, 0.3);

function shapes(cfg: ModelConfig): Record<string, number[]> {
  const model = createModel(cfg, F, 1);
  const out = Object.fromEntries([...model.weights].map(([name, v]) => [name, v.shape]));
  model.dispose();
  return out;
}

test('config: model.cell gru for lstm (with f16 too) and encoder-decoder; refused for the transformer, with f16 in the encoder-decoder, and when neither lstm nor gru', () => {
  const refused = (overrides: Record<string, string>, key: string, words: string) => {
    assert.throws(() => loadConfig('lstm-synth', overrides), (e: Error) => e.message.includes(key) && e.message.includes(words), JSON.stringify(overrides));
  };
  assert.is(loadConfig('lstm-synth', {}).model.cell, 'lstm');
  assert.is(loadConfig('lstm-synth', { 'model.cell': 'gru' }).model.cell, 'gru');
  const encdec = loadConfig('lstm-synth', { 'model.type': 'encoder-decoder', 'model.cell': 'gru' }).model;
  assert.equal([encdec.type, encdec.cell], ['encoder-decoder', 'gru']);
  refused({ 'model.type': 'transformer', 'model.cell': 'gru' }, 'model.cell', 'a transformer has none');
  refused({ 'model.cell': 'rnn' }, 'model.cell', 'lstm, gru');
  assert.is(loadConfig('lstm-synth', { 'model.cell': 'gru', 'train.precision': 'f16' }).train.precision, 'f16');
  refused({ 'model.type': 'encoder-decoder', 'model.cell': 'gru', 'train.precision': 'f16' }, 'train.precision', 'does not run the encoder-decoder');
  assert.match(configKeysHelp(loadConfig('lstm-synth', {})), /--model\.cell\s+lstm\s+one of lstm, gru/);
});

test('a config without model.cell builds the LSTM: the same weight names and initial weights as cell: lstm', async () => {
  const { cell: _, ...withoutCell } = tinyLstm;
  const [old, explicit] = [createModel(withoutCell as ModelConfig, F, 1), createModel(tinyLstm, F, 1)];
  const lstmLayer = (l: number) => [`lstm.${l}.wx`, `lstm.${l}.wh`, `lstm.${l}.b`];
  assert.equal([...old.weights.keys()], ['input.w', 'input.b', 'track.table', 'track.w', ...lstmLayer(0), ...lstmLayer(1), 'head.w', 'head.b']);
  assert.equal([...explicit.weights.keys()], [...old.weights.keys()]);
  for (const [name, v] of old.weights) assert.equal(Array.from(await v.data()), Array.from(await explicit.weights.get(name)!.data()), name);
  old.dispose();
  explicit.dispose();
});

test("GRU weights: <prefix>.wx [H, 3H], .wh [H, 3H], .bx and .bh [3H] per layer, in the recurrent model and the encoder-decoder", () => {
  const H = tinyGru.hidden;
  const gruLayer = (prefix: string) => ({ [`${prefix}.wx`]: [H, 3 * H], [`${prefix}.wh`]: [H, 3 * H], [`${prefix}.bx`]: [3 * H], [`${prefix}.bh`]: [3 * H] });
  const recurrent = shapes(tinyGru);
  assert.equal(Object.keys(recurrent), ['input.w', 'input.b', 'track.table', 'track.w', ...Object.keys(gruLayer('gru.0')), ...Object.keys(gruLayer('gru.1')), 'head.w', 'head.b']);
  assert.equal(recurrent, { ...recurrent, ...gruLayer('gru.0'), ...gruLayer('gru.1') });
  const encdec = shapes({ ...tinyEncoderDecoder, cell: 'gru' });
  assert.equal(encdec, { ...encdec, ...gruLayer('encoder.0'), ...gruLayer('decoder.0'), ...gruLayer('encoder.1'), ...gruLayer('decoder.1'), ...gruLayer('decoder.backward') });
  assert.not.ok(Object.keys(encdec).some((name) => /^(encoder|decoder)\..*\.b$/.test(name)), 'no LSTM bias');
});

test('both engines run GRU cells; an encoder-decoder of them trains in TensorFlow.js', () => {
  for (const engine of ['native', 'webgpu'] as const) {
    for (const cfg of [tinyGru, tinyLstm, tinyTransformer]) assert.is(engineLacks(engine, cfg, SHORTHAND), null, `${engine}: ${cfg.type} ${cfg.cell}`);
    assert.is(engineLacks(engine, { ...tinyEncoderDecoder, cell: 'gru' } as ModelConfig, SHORTHAND), 'the encoder-decoder');
  }
});

test.run();

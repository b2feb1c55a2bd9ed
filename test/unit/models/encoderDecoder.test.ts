// The encoder–decoder (models/encoderDecoder.ts): its hand-over carries the encoder's whole state into the
// decoder, its bidirectional decoder reads the second half's later tracks and nothing else does, and its config
// rules refuse what it cannot do.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../src/config/load.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { batchToTensors, createModel, type SkipModel } from '../../../src/models/model.ts';
import type { ModelConfig } from '../../../src/config/schema.ts';
import type { Batch } from '../../../src/data/format/types.ts';
import { challengeLike } from '../../helpers/engineEquivalence.ts';
import { tinyEncoderDecoder, tinyLstm } from '../../helpers/tinyModels.ts';

const B = 5;
const T = 9;
const F = 6;

function logits(model: SkipModel, batch: Batch): Float32Array {
  const x = batchToTensors(batch);
  const out = tf.tidy(() => model.apply(x, { training: false }).logits.dataSync() as Float32Array);
  tf.dispose(Object.values(x));
  return out;
}

test('with the decoder’s weights set to the encoder’s, the encoder–decoder is the causal LSTM: the hand-over carries h and c', async () => {
  await selectBackend('cpu', () => {});
  const lstm = createModel(tinyLstm, F, 3);
  const encdec = createModel({ ...tinyEncoderDecoder, decoderBidirectional: false }, F, 4);
  for (const [name, v] of encdec.weights) {
    const from = name.replace(/^(encoder|decoder)\./, 'lstm.');
    v.assign(lstm.weights.get(from)!);
  }
  const batch = challengeLike(B, T, F, 2);
  const [a, b] = [logits(encdec, batch), logits(lstm, batch)];
  const worst = a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  // The LSTM's fused recurrence computes tanh through σ: the same function, other roundings.
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
  lstm.dispose();
  encdec.dispose();
});

/** The batch with session b's track at position t (a hidden one) replaced: other features, another id. */
function otherTrackAt(batch: Batch, b: number, t: number): Batch {
  const inputs = batch.inputs.slice();
  for (let f = 0; f < F; f++) inputs[(b * T + t) * F + f] += 1.5;
  const trackIndex = batch.trackIndex.slice();
  trackIndex[b * T + t] = 999;
  return { ...batch, inputs, trackIndex };
}

for (const bidirectional of [false, true]) {
  test(`a later track of the second half changes ${bidirectional ? 'the hidden positions before it (bidirectional decoder)' : 'nothing before it (one-way decoder)'}; never a known position`, async () => {
    await selectBackend('cpu', () => {});
    const model = createModel({ ...tinyEncoderDecoder, decoderBidirectional: bidirectional }, F, 5);
    const batch = challengeLike(B, T, F, 7);
    const base = logits(model, batch);
    for (let b = 0; b < B; b++) {
      const present = Array.from({ length: T }, (_, t) => batch.present[b * T + t]);
      const last = present.lastIndexOf(1);
      const firstHidden = Array.from({ length: T }, (_, t) => batch.known[b * T + t]).lastIndexOf(1) + 1;
      if (last <= firstHidden) continue;
      const moved = logits(model, otherTrackAt(batch, b, last));
      for (let t = 0; t < last; t++) {
        const i = b * T + t;
        if (t < firstHidden || !bidirectional) assert.is(moved[i], base[i], `session ${b} position ${t}`);
        else if (present[t]) assert.is.not(moved[i], base[i], `session ${b} hidden position ${t} reads the track at ${last}`);
      }
      // Other sessions are untouched.
      for (let i = 0; i < B * T; i++) if (Math.floor(i / T) !== b) assert.is(moved[i], base[i]);
    }
    model.dispose();
  });
}

test('config: the encoder–decoder needs the challenge task, f32, and decoderBidirectional needs the encoder–decoder', () => {
  const refused = (overrides: Record<string, string>, key: string, words: string) => {
    assert.throws(() => loadConfig('lstm-synth', overrides), (e: Error) => e.message.includes(key) && e.message.includes(words), JSON.stringify(overrides));
  };
  refused({ 'model.type': 'encoder-decoder', task: 'per-position' }, 'model.type', 'needs task: challenge');
  refused({ 'model.type': 'encoder-decoder', 'train.precision': 'f16' }, 'train.precision', 'does not run the encoder-decoder');
  refused({ 'model.decoderBidirectional': 'true' }, 'model.decoderBidirectional', 'only model.type: encoder-decoder');
  const ok: ModelConfig = loadConfig('lstm-synth', { 'model.type': 'encoder-decoder', 'model.decoderBidirectional': 'true' }).model;
  assert.is(ok.type, 'encoder-decoder');
  assert.is(ok.decoderBidirectional, true);
});

test.run();

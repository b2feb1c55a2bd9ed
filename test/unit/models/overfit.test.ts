// A tiny model of each type fits a tiny batch under the trainer's own step (its objective, Adam and clipping): the
// loss falls far below its starting value. Catches broken gradient wiring (a variable left out, a detached branch)
// that shape checks would not.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel } from '../../../src/models/model.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { trainStep } from '../../../src/train/step.ts';
import { randomBatch, tinyEncoderDecoder, tinyGru, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const F = 5;

// Loss after 40 steps over the first step's, seeds 1-6 (model and batch): LSTM 0.0003-0.0021, Transformer
// 0.0000-0.0002, GRU cells 0.0002-0.0005 (lstm and encoder-decoder). The bar is ten times the worst seed.
const RATIO = 0.02;

for (const cfg of [tinyLstm, tinyGru, tinyTransformer, tinyEncoderDecoder, { ...tinyEncoderDecoder, cell: 'gru' as const }]) {
  test(`${cfg.type}${cfg.type !== 'transformer' ? ` (${cfg.cell} cells)` : ''} overfits a tiny batch with the trainer's step (loss below ${RATIO} of the first)`, async () => {
    await selectBackend('cpu', () => {});
    const model = createModel({ ...cfg, hidden: 16, layers: 1, ff: 32, dropout: 0, auxWeight: 0 }, F, 2);
    const batch = randomBatch(6, 6, F, 8);
    const optimizer = new Adam(model.weights);
    const step = () => {
      const r = trainStep(model, optimizer, batch, { lr: 0.03, clipNorm: 1, dropoutSeed: 0 });
      const loss = r.loss.dataSync()[0];
      tf.dispose([r.loss, r.correct, r.count, r.gradNorm, r.auxLosses]);
      return loss;
    };
    const first = step();
    const tensorsAfterFirstStep = tf.memory().numTensors; // Adam's slots exist from here on
    let last = first;
    for (let s = 0; s < 40; s++) last = step();
    assert.ok(last < RATIO * first, `${cfg.type}: loss went from ${first} to ${last}`);
    assert.is(tf.memory().numTensors, tensorsAfterFirstStep, 'a training step leaks no tensors');
    optimizer.dispose();
    model.dispose();
  });
}

test.run();

// A tiny model of each type can fit a tiny batch under the trainer's objective: the loss falls well below its
// starting value. Catches broken
// gradients wiring (a variable left out, a detached branch) that shape checks would not.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel } from '../../../src/models/model.ts';
import { batchLoss } from '../../../src/train/loss.ts';
import { randomBatch, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const F = 5;

for (const cfg of [tinyLstm, tinyTransformer]) {
  test(`${cfg.type} overfits a tiny batch`, async () => {
    await selectBackend('cpu', () => {});
    const model = createModel({ ...cfg, hidden: 16, layers: 1, ff: 32, dropout: 0 }, F, 2);
    const batch = randomBatch(6, 6, F, 8);
    const opt = tf.train.adam(0.03);
    const vars = [...model.weights.values()];
    const step = () => tf.tidy(() => opt.minimize(() => batchLoss(model, batch, { training: true, auxWeight: 0 }).loss, true, vars)!.dataSync()[0]);
    const first = step();
    const tensorsAfterFirstStep = tf.memory().numTensors; // Adam's slots exist from here on
    let last = first;
    for (let s = 0; s < 40; s++) last = step();
    assert.ok(last < 0.3 * first, `${cfg.type}: loss went from ${first} to ${last}`);
    assert.is(tf.memory().numTensors, tensorsAfterFirstStep, 'a training step leaks no tensors');
    opt.dispose();
    model.dispose();
  });
}

test.run();

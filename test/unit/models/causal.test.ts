// Both models are strictly causal: changing anything at positions > t (features, track ids, presence) leaves the
// outputs at positions ≤ t bit-for-bit unchanged, for the main and the auxiliary logits.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { batchToTensors, createModel } from '../../../src/models/model.ts';
import { Rng } from '../../../src/util/rng.ts';
import { randomBatch, tinyGru, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';
import type { ModelConfig } from '../../../src/config/schema.ts';
import type { Batch } from '../../../src/data/format/types.ts';

const B = 3;
const T = 9;
const F = 6;

function outputs(cfg: ModelConfig, batch: Batch, training: boolean) {
  const model = createModel(cfg, F, 11);
  const x = batchToTensors(batch);
  const res = tf.tidy(() => {
    const out = model.apply(x, { training, dropoutSeed: 5 });
    return { logits: out.logits.arraySync(), aux: out.auxLogits!.arraySync() };
  });
  tf.dispose(Object.values(x));
  model.dispose();
  return res;
}

/** Overwrite every position after `t` with fresh random content (including making it padding). */
function perturbAfter(batch: Batch, t: number, seed: number): Batch {
  const rng = Rng.derive(seed, 'perturb');
  const copy: Batch = { ...batch, inputs: batch.inputs.slice(), trackIndex: batch.trackIndex.slice(), present: batch.present.slice() };
  for (let b = 0; b < B; b++)
    for (let p = t + 1; p < T; p++) {
      const i = b * T + p;
      for (let f = 0; f < F; f++) copy.inputs[i * F + f] = rng.normal() * 3;
      copy.trackIndex[i] = rng.next() < 0.3 ? -1 : rng.int(1000);
      copy.present[i] = rng.next() < 0.5 ? 1 : 0;
    }
  return copy;
}

for (const [name, cfg] of [['lstm', tinyLstm], ['gru', tinyGru], ['transformer', tinyTransformer]] as const) {
  for (const training of [false, true]) {
    test(`${name} is causal (${training ? 'training, dropout on' : 'evaluation'})`, async () => {
      await selectBackend('cpu', () => {});
      const batch = randomBatch(B, T, F, 1);
      const base = outputs(cfg, batch, training);
      for (const t of [0, 3, T - 2]) {
        const moved = outputs(cfg, perturbAfter(batch, t, t + 1), training);
        let changedLater = false;
        for (let b = 0; b < B; b++) {
          for (let p = 0; p <= t; p++) {
            assert.is(moved.logits[b][p], base.logits[b][p], `${name}: logit at b=${b} p=${p} moved when only positions > ${t} changed`);
            assert.equal(moved.aux[b][p], base.aux[b][p]);
          }
          for (let p = t + 1; p < T; p++) if (moved.logits[b][p] !== base.logits[b][p]) changedLater = true;
        }
        assert.ok(changedLater, 'the perturbation does change later outputs (the test has teeth)');
      }
    });
  }
}

test.run();

// Same seed ⇒ same initial weights; same dropoutSeed ⇒ same training-mode outputs; a few steps of the trainer's own
// step (src/train/step.ts: its Adam, global-norm clipping, main + auxiliary loss) on the cpu backend are bit-for-bit
// repeatable (the trainer's resume test relies on it). Plus the model's bookkeeping:
// stable parameter names, no leaked tensors, config errors naming the key.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../../src/models/backend.ts';
import { ConfigError } from '../../../src/errors.ts';
import { batchToTensors, createModel, predictProbabilities } from '../../../src/models/model.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { trainStep } from '../../../src/train/step.ts';
import { randomBatch, tinyLstm, tinyTransformer } from '../../helpers/tinyModels.ts';

const F = 6;

function snapshot(weights: ReadonlyMap<string, tf.Variable>): Map<string, number[]> {
  return new Map([...weights].map(([k, v]) => [k, Array.from(v.dataSync())]));
}

test('same seed gives identical weights, another seed different ones; names are stable', async () => {
  await selectBackend('cpu', () => {});
  for (const cfg of [tinyLstm, tinyTransformer]) {
    const a = createModel(cfg, F, 3);
    const b = createModel(cfg, F, 3);
    const c = createModel(cfg, F, 4);
    assert.equal([...a.weights.keys()], [...b.weights.keys()]);
    assert.equal(snapshot(a.weights), snapshot(b.weights));
    assert.not.equal(snapshot(a.weights).get('input.w'), snapshot(c.weights).get('input.w'));
    assert.ok(a.weights.has('track.table') && a.weights.has('head.w'));
    [a, b, c].forEach((m) => m.dispose());
  }
});

/** `steps` of the trainer's own step (its Adam, clipping and losses) from seed 9; the weights after them. */
function train(cfgType: 'lstm' | 'transformer', steps: number, dropoutSeeds = (s: number) => s): Map<string, number[]> {
  const cfg = cfgType === 'lstm' ? tinyLstm : tinyTransformer;
  const model = createModel(cfg, F, 9);
  const batch = randomBatch(4, 8, F, 2);
  const optimizer = new Adam(model.weights);
  for (let s = 0; s < steps; s++) {
    const r = trainStep(model, optimizer, batch, { lr: 0.01, clipNorm: 1, dropoutSeed: dropoutSeeds(s) });
    tf.dispose([r.loss, r.correct, r.count, r.gradNorm, r.auxLosses]);
  }
  const out = snapshot(model.weights);
  optimizer.dispose();
  model.dispose();
  return out;
}

test("the trainer's steps with dropout are bit-for-bit repeatable on cpu, and follow the dropout seeds", async () => {
  await selectBackend('cpu', () => {});
  for (const type of ['lstm', 'transformer'] as const) {
    const start = train(type, 0);
    const first = train(type, 3);
    const second = train(type, 3);
    assert.equal(first, second, `${type}: two identical runs diverged`);
    assert.not.equal(first, start, `${type}: the steps changed the weights`);
    assert.not.equal(train(type, 3, (s) => s + 100), first, `${type}: other dropout masks, other weights`);
  }
});

test('dropout masks follow dropoutSeed', async () => {
  await selectBackend('cpu', () => {});
  const model = createModel(tinyLstm, F, 1);
  const x = batchToTensors(randomBatch(2, 6, F, 3));
  const run = (seed: number) => tf.tidy(() => Array.from(model.apply(x, { training: true, dropoutSeed: seed }).logits.dataSync()));
  assert.equal(run(1), run(1));
  assert.not.equal(run(1), run(2));
  const evalA = tf.tidy(() => Array.from(model.apply(x, { training: false }).logits.dataSync()));
  const evalB = tf.tidy(() => Array.from(model.apply(x, { training: false, dropoutSeed: 7 }).logits.dataSync()));
  assert.equal(evalA, evalB, 'no dropout in evaluation');
  tf.dispose(Object.values(x));
  model.dispose();
});

test('predictProbabilities returns B·T probabilities and leaks no tensors', async () => {
  await selectBackend('cpu', () => {});
  const model = createModel(tinyTransformer, F, 1);
  const batch = randomBatch(3, 5, F, 4);
  await predictProbabilities(model, batch); // first call may create lazily-cached tensors (none expected, but be fair)
  const before = tf.memory().numTensors;
  const p = await predictProbabilities(model, batch);
  assert.is(tf.memory().numTensors, before);
  assert.is(p.length, 15);
  assert.ok(p.every((v) => v > 0 && v < 1));
  model.dispose();
});

// The settings' ranges are the config's rules (config/rules.ts, tested in test/unit/config/load.test.ts); the model
// keeps only what its arithmetic needs.
test('a transformer whose heads do not divide its width cannot be built: a ConfigError naming model.heads', () => {
  assert.throws(() => createModel({ ...tinyTransformer, hidden: 10, heads: 3 }, F, 1), (e: unknown) => e instanceof ConfigError && e.message.includes('model.heads'));
});

test.run();

// A gradient worker thread: its own tfjs backend and its own copy of the model. Each step it loads the weights the
// trainer shared, runs forward and backward on its slice of the batch (the loss divided by the whole batch's
// denominator, so the slices' gradients add up to the batch's) and writes the gradient back; no optimizer here.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../models/backend.ts';
import { createModel, type SkipModel } from '../../models/model.ts';
import { batchLoss } from '../loss.ts';
import type { FromGradientWorker, ToGradientWorker, WorkerInit } from './protocol.ts';

const port = parentPort!;
let model: SkipModel;
let weights: Float32Array;
let grads: Float32Array;

const send = (m: FromGradientWorker) => port.postMessage(m);

async function init(w: WorkerInit): Promise<void> {
  await selectBackend(w.backend, () => {});
  model = createModel(w.model, w.inputFeatures, 0);
  const layout = [...model.weights].map(([name, v]) => ({ name, size: v.size }));
  if (JSON.stringify(layout) !== JSON.stringify(w.layout)) throw new Error('the worker built a model with different weights than the trainer');
  weights = new Float32Array(w.weights);
  grads = new Float32Array(w.grads);
}

function step(m: Extract<ToGradientWorker, { kind: 'step' }>): FromGradientWorker {
  const variables = [...model.weights.values()];
  tf.tidy(() => {
    let offset = 0;
    for (const v of variables) {
      v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
  });
  let counts: tf.Tensor[] = [];
  const { value, grads: byName } = tf.variableGrads(() => {
    const out = batchLoss(model, m.batch, { training: true, ...m.opts });
    counts = [tf.keep(out.correct), tf.keep(out.count)];
    return out.loss;
  }, variables);
  let offset = 0;
  for (const v of variables) {
    const g = byName[v.name];
    if (g) grads.set(g.dataSync() as Float32Array, offset);
    else grads.fill(0, offset, offset + v.size);
    offset += v.size;
  }
  const [loss, correct, count] = [value, ...counts].map((t) => t.dataSync()[0]);
  tf.dispose([value, ...counts, ...Object.values(byName)]);
  return { kind: 'done', loss, correct, count };
}

port.on('message', (m: ToGradientWorker) => {
  const run = async () => (m.kind === 'init' ? (await init(m.init), { kind: 'ready' } as const) : step(m));
  run().then(send, (e: Error) => send({ kind: 'error', message: e?.message ?? String(e), stack: e?.stack }));
});

// A gradient worker thread: its own tfjs backend and its own copy of the model. Each step it loads the weights the
// trainer shared, runs forward and backward on its slice of the batch and writes the gradient back into shared
// memory; no optimizer here. For evaluation it predicts its slice instead.
import { parentPort } from 'node:worker_threads';
import { selectBackend } from '../../models/backend.ts';
import { createModel, predictProbabilities, type SkipModel } from '../../models/model.ts';
import { writeFlatWeights } from '../../models/params.ts';
import type { FromGradientWorker, ToGradientWorker, WorkerInit } from './protocol.ts';
import { sliceGradient } from './sliceGradient.ts';

const port = parentPort!;
let model: SkipModel;
let weights: Float32Array;
let grads: Float32Array;

async function init(w: WorkerInit): Promise<FromGradientWorker> {
  await selectBackend(w.backend, () => {});
  model = createModel(w.model, w.inputFeatures, 0, w.aux);
  const layout = [...model.weights].map(([name, v]) => ({ name, size: v.size }));
  if (JSON.stringify(layout) !== JSON.stringify(w.layout)) throw new Error('the worker built a model with different weights than the trainer');
  weights = new Float32Array(w.weights);
  grads = new Float32Array(w.grads);
  return { kind: 'ready' };
}

function loadWeights(): void {
  writeFlatWeights(model.weights, weights);
}

async function step(m: Extract<ToGradientWorker, { kind: 'step' }>): Promise<FromGradientWorker> {
  const start = performance.now();
  loadWeights();
  const result = await sliceGradient(model, m.batch, m.opts, grads);
  return { kind: 'done', ...result, ms: performance.now() - start };
}

port.on('message', (m: ToGradientWorker) => {
  const run = async (): Promise<FromGradientWorker> => {
    if (m.kind === 'init') return init(m.init);
    if (m.kind === 'step') return step(m);
    if (m.loadWeights) loadWeights();
    return { kind: 'probabilities', values: await predictProbabilities(model, m.batch) };
  };
  run().then(
    (reply) => port.postMessage(reply, reply.kind === 'probabilities' ? [reply.values.buffer as ArrayBuffer] : []),
    (e: Error) => port.postMessage({ kind: 'error', message: e?.message ?? String(e), stack: e?.stack } satisfies FromGradientWorker),
  );
});

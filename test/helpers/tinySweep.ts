// The base config of the sweep tests: a small LSTM on wasm over synthetic data of the test's own (made here), one
// day each to train, validate (choose) and test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { ensureSynthData } from '../../src/data/batch/batches.ts';

/** Writes root/base.yaml (runs under root/runs, data under root/synth) and its synthetic data; returns its path. */
export async function writeTinySweepBase(root: string, synth: { sessions: number; seed: number }): Promise<string> {
  const path = join(root, 'base.yaml');
  writeFileSync(
    path,
    `experiment: tiny
task: challenge
backend: wasm
checkpoints: ${join(root, 'runs')}
data:
  logs: ${join(root, 'synth', 'training_set.tar.gz')}
  tracks: ${join(root, 'synth', 'track_features.tar.gz')}
  synth: {sessions: ${synth.sessions}, days: 3, tracks: 300, seed: ${synth.seed}, startDate: 2018-07-15}
  trainDays: 2018-07-15
  valDays: 2018-07-16
  testDays: 2018-07-17
  shuffleBuffer: 64
model: {type: lstm, hidden: 8, trackBuckets: 64, trackEmbedding: 4}
train: {epochs: 1, batchSize: 8, warmupSteps: 2, logEvery: 2, checkpointEvery: 2, histogramEvery: 0, workers: 1}
`,
  );
  await ensureSynthData(loadConfig(path), () => {});
  return path;
}

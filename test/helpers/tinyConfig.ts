// A tiny synthetic setup for training tests: a few hundred generated sessions and a small LSTM, on the cpu backend.
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

/** Config for a run under `root`; the synthetic data is generated into root/synth on first use. */
export function tinyConfig(root: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(undefined, {
    experiment: 'tiny',
    task: 'challenge',
    backend: 'cpu',
    checkpoints: join(root, 'runs'),
    'data.logs': join(root, 'synth', 'training_set.tar.gz'),
    'data.tracks': join(root, 'synth', 'track_features.tar.gz'),
    'data.synth.sessions': '300',
    'data.synth.days': '2',
    'data.synth.tracks': '400',
    'data.synth.seed': '3',
    'data.synth.startDate': '2018-07-15',
    'data.valDays': '2018-07-16',
    'data.testDays': '2018-07-16',
    'data.shuffleBuffer': '64',
    'model.type': 'lstm',
    'model.hidden': '8',
    'model.dropout': '0.1',
    'model.trackBuckets': '64',
    'model.trackEmbedding': '4',
    'train.epochs': '3',
    'train.batchSize': '8',
    'train.warmupSteps': '3',
    'train.logEvery': '2',
    'train.checkpointEvery': '4',
    'train.histogramEvery': '5',
    'train.keepLast': '2',
    // One thread unless a test asks for more (gradient threads: test/unit/train/workers.test.ts, test/e2e/train/gradientThreads.test.ts and resume.test.ts).
    'train.workers': '1',
    ...overrides,
  });
}

// Fuzzed checkpoint manifests: the manifest.json of a saved checkpoint, mutated (test/helpers/mutators.ts) and read
// with readCheckpoint. A version 2 manifest carries the CRC-32C of its content: every outcome is the checkpoint as
// saved, or a one-line UserError naming the manifest — never a JSON or TypeError. A version 1 manifest (no CRCs,
// read unchecked) may read as other values, but still never crashes: any failure is a UserError naming the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import type { FeatureStats } from '../../../src/data/format/types.ts';
import { readCheckpoint, saveCheckpoint, type CheckpointContents } from '../../../src/train/checkpoint.ts';
import { Adam } from '../../../src/train/optimizer.ts';
import { readStep, trainStep } from '../../../src/train/step.ts';
import { assertUserFacing, FUZZ } from '../../helpers/fuzz.ts';
import { linearModel, separableBatch } from '../../helpers/linearModel.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../helpers/mutators.ts';

await tf.setBackend('cpu');

const stats: FeatureStats = {
  mean: [1, 2],
  std: [3, 4],
  vocab: { contextType: { radio: 2 }, reasonStart: {}, reasonEnd: {} },
  rows: 10,
  sessions: 2,
  skipRateByPosition: [0.5, 0.25],
};
const config: Config = { ...DEFAULTS, experiment: 'manifest-fuzz' };

let run = '';
let folder = '';
let manifestPath = '';
let saved: Buffer;
let original: CheckpointContents;
const quiet = () => {};

test.before(async () => {
  run = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-ckpt-'));
  const model = linearModel(4, 3);
  const adam = new Adam(model.weights);
  await readStep(trainStep(model, adam, separableBatch(3, 5, 4, 0), { lr: 0.01, clipNorm: 1, dropoutSeed: 0 }));
  const position = { step: 7, epoch: 1, batchesInEpoch: 3, plannedSteps: 100, rngState: 99, metrics: { 'val/loss': 0.5 } };
  const policy = { keepLast: 5, keepBest: 0, bestMetric: 'val/loss' } as const;
  folder = await saveCheckpoint(run, { position, config, stats, inputFeatures: 4, weights: model.weights, optimizer: await adam.exportState() }, policy);
  model.dispose();
  adam.dispose();
  manifestPath = join(folder, 'manifest.json');
  saved = await readFile(manifestPath);
  original = await readCheckpoint(folder, quiet);
});

test.after(async () => {
  await rm(run, { recursive: true, force: true });
});

/** What version 1 wrote: the same manifest without the CRCs. */
function versionOne(manifest: Buffer): Buffer {
  const { tensorsCrc32c: _t, manifestCrc32c: _m, ...old } = JSON.parse(manifest.toString('utf8'));
  return Buffer.from(JSON.stringify({ ...old, version: 1 }, null, 1));
}

async function readMutated(manifest: Buffer, ms: Mutation[]): Promise<CheckpointContents | Error> {
  await writeFile(manifestPath, mutateAll(manifest, ms));
  try {
    return await readCheckpoint(folder, quiet);
  } catch (e) {
    assertUserFacing(e, folder, false);
    return e as Error;
  }
}

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const V1_REGRESSIONS: [Mutation[]][] = [
  // seed -330450856: a byte inserted into the key "tensors" left no tensor table: TypeError, not iterable.
  [[{ kind: 'insert', at: 148943, bytes: [255] }]],
  // JSON that parses to null: TypeError reading its format.
  [[{ kind: 'empty' }, { kind: 'insertLine', line: 0, text: 'null' }]],
];

test('a version 2 manifest, mutated: the checkpoint as saved, or a UserError naming the manifest', async () => {
  await fc.assert(
    fc.asyncProperty(mutationsArb, async (ms) => {
      const got = await readMutated(saved, ms);
      if (got instanceof Error) assert.ok(got.message.startsWith(manifestPath), got.message);
      else assert.equal(got, original, JSON.stringify(ms));
    }),
    { ...FUZZ },
  );
});

test('a version 1 manifest (unchecked), mutated: read, or a UserError naming the checkpoint’s file', async () => {
  const v1 = versionOne(saved);
  await fc.assert(
    fc.asyncProperty(mutationsArb, (ms) => readMutated(v1, ms).then(() => {})),
    { ...FUZZ, examples: V1_REGRESSIONS },
  );
});

test.run();

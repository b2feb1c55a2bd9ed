// Several trained models used as one: their skip probabilities averaged position by position (every top WSDM Cup
// entry averaged several models). Members must read the same data the same way — the same feature statistics
// (the batches are encoded once, normalised by them) and the same label and split — so that one stream of batches
// serves them all and "test sessions" mean the same sessions for each.
import type { Config } from '../config/schema.ts';
import type { Batch, FeatureStats, TrackTable } from '../data/format/types.ts';
import { trackTableFingerprint } from '../data/format/trackKey.ts';
import { UserError } from '../errors.ts';
import { activeBackend } from '../models/backend.ts';
import { loadCheckpoint, type LoadedCheckpoint } from '../train/checkpoint.ts';
import { createPredictor, resolveWorkers, type ParallelPredictor } from '../train/workers/stepper.ts';
import type { Predictor } from './predictor.ts';

export interface Ensemble {
  members: LoadedCheckpoint[];
  /** The first member's config: it names the data, label and split for all. */
  config: Config;
  stats: FeatureStats;
  /** Each member's probabilities for a batch, computed once per batch however often they are asked for. */
  memberPredictors: Predictor[];
  /** The mean of the members' probabilities (the one member's, for a single checkpoint). */
  predict: Predictor;
  dispose(): Promise<void>;
}

/** The config keys that decide which sessions are which and what is predicted: members must agree on them. */
function dataIdentity(config: Config): string {
  const d = config.data;
  const { valDays, testDays, heldOutDays, trainDays, split, heldOutFraction, testFraction, label, logs } = d;
  return JSON.stringify({ task: config.task, label, logs, split, trainDays, valDays, testDays, heldOutDays, heldOutFraction, testFraction });
}

/**
 * Loads the members; each predicts on its run's train.workers threads (on the active backend). `log` hears why a
 * thread count was not used, and that old checkpoints are read unchecked.
 */
export async function loadEnsemble(paths: string[], log: (line: string) => void = () => {}): Promise<Ensemble> {
  if (paths.length === 0) throw new UserError('--checkpoint: give at least one run folder or checkpoint folder');
  const members: LoadedCheckpoint[] = [];
  try {
    for (const path of paths) members.push(await loadCheckpoint(path, log));
  } catch (e) {
    for (const m of members) m.model.dispose();
    throw e;
  }
  const [first] = members;
  for (const m of members.slice(1)) {
    const problem =
      JSON.stringify(m.stats) !== JSON.stringify(first.stats)
        ? 'its feature statistics differ (it was trained on other sessions)'
        : dataIdentity(m.config) !== dataIdentity(first.config)
          ? 'its task, label, logs or validation/test split differ'
          : m.model.inputFeatures !== first.model.inputFeatures
            ? 'it reads another number of input features'
            : '';
    if (problem) {
      for (const x of members) x.model.dispose();
      throw new UserError(`cannot ensemble ${m.path} with ${first.path}: ${problem}; ensemble members must be trained on the same data (e.g. the same config with other train.seed values)`);
    }
  }
  const predictors: ParallelPredictor[] = [];
  const dispose = async () => {
    await Promise.all(predictors.map((p) => p.dispose()));
    for (const m of members) m.model.dispose();
  };
  try {
    for (const m of members) predictors.push(await createPredictor(m.model, resolveWorkers(m.config.train, activeBackend(), log)));
  } catch (e) {
    await dispose();
    throw e;
  }
  let lastBatch: Batch | null = null;
  let lastProbs: Promise<Float32Array[]> = Promise.resolve([]);
  const probabilitiesOf = (batch: Batch): Promise<Float32Array[]> => {
    if (batch !== lastBatch) {
      lastProbs = Promise.all(predictors.map((p) => p.predict(batch)));
      lastBatch = batch;
    }
    return lastProbs;
  };
  return {
    members,
    config: first.config,
    stats: first.stats,
    memberPredictors: members.map((_, k) => async (batch) => (await probabilitiesOf(batch))[k]),
    predict: async (batch) => meanOf(await probabilitiesOf(batch)),
    dispose,
  };
}

function meanOf(arrays: Float32Array[]): Float32Array {
  if (arrays.length === 1) return arrays[0];
  const out = new Float32Array(arrays[0].length);
  for (const a of arrays) for (let i = 0; i < out.length; i++) out[i] += a[i];
  for (let i = 0; i < out.length; i++) out[i] /= arrays.length;
  return out;
}

/** One warning line per member trained with another track table than `tracks` (embeddings are keyed by id). */
export function trackTableWarnings(members: LoadedCheckpoint[], tracks: TrackTable): string[] {
  const now = trackTableFingerprint(tracks);
  return members
    .filter((m) => m.trackTable && m.trackTable.hash !== now.hash)
    .map(
      (m) =>
        `warning: the track table (${now.tracks} tracks) differs from the one ${m.path} was trained with (${m.trackTable!.tracks} tracks): ` +
        'tracks it never saw have untrained embeddings, and changed features change its predictions',
    );
}

// Rules that tie several config keys together. Per-key rules (types, ranges, enums) are in rules.ts and are
// checked while the layers are merged; these run once on the merged config, before any work starts.
import { ConfigError } from '../errors.ts';
import { addDays } from './days.ts';
import { heldOutDaysOf } from '../data/passes/split.ts';
import { auxTargetsOf, resolveAuxTargets } from '../models/auxTargets.ts';
import { engineLacks } from '../models/engineSupport.ts';
import { DEFAULTS, type Config } from './schema.ts';
import type { Origins } from './resolve.ts';

export interface ValidateOptions {
  /** Require data.logs and data.tracks (default true). Commands that never read data may pass false. */
  requireData?: boolean;
  /** Where one-line warnings go (deprecated keys); default stderr. */
  warn?: (line: string) => void;
}

const MAX_LISTED = 5;

function listDays(days: string[]): string {
  return days.length <= MAX_LISTED ? days.join(', ') : `${days.slice(0, MAX_LISTED).join(', ')}, … (${days.length} days)`;
}

/** The days the built-in synthetic data covers: synth.days consecutive days from synth.startDate. */
export function synthDays(config: Config): string[] {
  const { days, startDate } = config.data.synth;
  return Array.from({ length: days }, (_, i) => addDays(startDate, i));
}

/** Throws a ConfigError naming the key (and where it was set) for the first broken cross-key rule. */
export function validateConfig(config: Config, origins: Origins = new Map(), options: ValidateOptions = {}): void {
  const fail = (path: string, problem: string): never => {
    const origin = origins.get(path);
    throw new ConfigError(origin ? `${problem} (set ${origin})` : problem, path);
  };
  const { data, model } = config;
  const synthetic = data.synth.sessions > 0;

  if ((options.requireData ?? true) && !synthetic) {
    if (data.logs.trim() === '') {
      fail('data.logs', 'data.logs is required: the session logs (.tar.gz archive, folder of CSVs or one .csv), or set data.synth.sessions > 0 for synthetic data');
    }
    if (data.tracks.trim() === '') {
      fail('data.tracks', 'data.tracks is required: the track features (.tar.gz archive, folder of CSVs or one .csv)');
    }
  }

  const { val, test } = heldOutDaysOf(data);
  if (data.split === 'date' && val.length === 0) {
    fail('data.valDays', "is empty but data.split is 'date': list the validation days (e.g. 2018-09-17) and data.testDays (e.g. 2018-09-18), or use data.split session-hash");
  }
  if (data.split === 'session-hash' && data.heldOutFraction + data.testFraction >= 1) {
    fail('data.testFraction', `data.heldOutFraction ${data.heldOutFraction} + data.testFraction ${data.testFraction} leave no session to train on`);
  }
  for (const [key, list, what] of [['data.valDays', val, 'validation'], ['data.testDays', test, 'test']] as const) {
    const listed = new Set(list);
    const overlap = data.trainDays.filter((d) => listed.has(d));
    if (overlap.length > 0) {
      fail(key, `${listDays(overlap)} ${overlap.length === 1 ? 'is' : 'are'} both a training and a ${what} day (also in data.trainDays)`);
    }
  }

  if (synthetic) {
    const available = synthDays(config);
    const covered = new Set(available);
    const range = `${available[0]}..${available[available.length - 1]}`;
    for (const key of ['trainDays', 'valDays', 'testDays'] as const) {
      const outside = data[key].filter((d) => !covered.has(d));
      if (outside.length > 0) {
        fail(`data.${key}`, `${listDays(outside)} ${outside.length === 1 ? 'is' : 'are'} outside the synthetic data's days ${range} (data.synth.startDate + data.synth.days)`);
      }
    }
    const heldOut = new Set([...val, ...test]);
    const training = data.trainDays.length > 0 ? data.trainDays : available.filter((d) => !heldOut.has(d));
    if (data.split === 'date' && training.length === 0) {
      fail('data.valDays', `data.valDays and data.testDays hold out every synthetic day (${range}); nothing is left to train on`);
    }
  }

  // Its decoder reads the second half as the challenge gives it: a per-position task has no second half.
  if (model.type === 'encoder-decoder' && config.task !== 'challenge') {
    fail('model.type', `encoder-decoder decodes the challenge's hidden second half: it needs task: challenge (this config has task: ${config.task})`);
  }
  // train.auxTargets replaces its shorthand; an auxWeight that was changed too and says otherwise is a contradiction.
  // (At its default it may stand beside any mapping: every saved config.yaml writes it.)
  const targets = auxTargetsOf(config);
  if (model.auxWeight !== DEFAULTS.model.auxWeight && JSON.stringify(targets) !== JSON.stringify(resolveAuxTargets(undefined, model.auxWeight))) {
    fail('model.auxWeight', `${model.auxWeight} is the shorthand of train.auxTargets, which is set and says otherwise: set one of the two`);
  }
  const notOnGpu = engineLacks('webgpu', model, targets);
  if (notOnGpu && config.train.precision === 'f16') {
    fail('train.precision', `f16 is a setting of the webgpu engine, which does not run ${notOnGpu} (it trains in TensorFlow.js): use f32`);
  }
  if (model.cell === 'gru' && model.type === 'transformer') fail('model.cell', "is the recurrent models' cell (model.type lstm or encoder-decoder); a transformer has none");
  for (const key of ['decoderBidirectional', 'decoderAttention'] as const) {
    if (model[key] && model.type !== 'encoder-decoder') fail(`model.${key}`, `is a part of the decoder, which only model.type: encoder-decoder has (this config has ${model.type})`);
  }
  if (model.type === 'transformer' && model.hidden % model.heads !== 0) {
    fail('model.heads', `${model.heads} heads do not divide model.hidden ${model.hidden} (the transformer splits hidden evenly across heads)`);
  }
}

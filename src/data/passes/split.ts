// Which sessions belong to a split. A date split reads whole days (train / validation / test days); a session-hash
// split buckets each session id with the stable FNV-1a hash (hashString) into 10,000 buckets: the first
// heldOutFraction of the buckets validate, the next testFraction test, the rest train — the same sessions in every
// process, whatever the order of the files.
import { hashString } from '../../util/rng.ts';
import type { DataConfig, DataSettings } from '../format/dataConfig.ts';

export type Split = 'train' | 'val' | 'test';

const BUCKETS = 10_000;

export interface HeldOutDays {
  /** Days that choose: validation during training, bestMetric, hyperparameters. */
  val: string[];
  /** Days that report: what `evaluate` scores by default. */
  test: string[];
}

/**
 * The validation and test days of a date split. Configs written before valDays/testDays existed (run folders,
 * checkpoints, programs that fill the defaults) may only have heldOutDays: those days then serve as both.
 */
export function heldOutDaysOf(data: DataConfig): HeldOutDays {
  const legacy = data.heldOutDays ?? [];
  return {
    val: data.valDays?.length ? data.valDays : legacy,
    test: data.testDays?.length ? data.testDays : legacy,
  };
}

/** The test share of a session-hash split; checkpoints made before data.testFraction existed have none. */
export function testFractionOf(data: DataConfig): number {
  return data.testFraction ?? 0;
}

/** The buckets [from, to) of a split under a session-hash config: validation's first, then test's, then train's. */
function bucketRange(d: DataSettings['data'], split: Split): [number, number] {
  const val = Math.round(d.heldOutFraction * BUCKETS);
  const test = val + Math.round(testFractionOf(d) * BUCKETS);
  return split === 'val' ? [0, val] : split === 'test' ? [val, test] : [test, BUCKETS];
}

/** Whether a session (by id and log day) belongs to a split. */
export type SessionTest = (id: string, day: string) => boolean;

/** A day filter for the reader plus a per-session test. */
export function splitFilter(config: Pick<DataSettings, 'data'>, split: Split): { days?: Set<string>; accept: SessionTest } {
  const d = config.data;
  if (d.split === 'session-hash') {
    const days = split === 'train' && d.trainDays.length ? new Set(d.trainDays) : undefined;
    // The range is worked out once: the test runs for every session of every epoch.
    const [from, to] = bucketRange(d, split);
    return {
      days,
      accept: (id) => {
        const bucket = hashString(id) % BUCKETS;
        return bucket >= from && bucket < to;
      },
    };
  }
  const { val, test } = heldOutDaysOf(d);
  if (split === 'val') return { days: new Set(val), accept: () => true };
  if (split === 'test') return { days: new Set(test), accept: () => true };
  if (d.trainDays.length) return { days: new Set(d.trainDays), accept: () => true };
  const heldOut = new Set([...val, ...test]);
  return { accept: (_id, day) => !heldOut.has(day) };
}

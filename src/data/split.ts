// Which sessions belong to a split. A date split reads whole days (train / validation / test days); a session-hash
// split buckets each session id with the stable FNV-1a hash (hashString) into 10,000 buckets: the first
// heldOutFraction of the buckets validate, the next testFraction test, the rest train — the same sessions in every
// process, whatever the order of the files.
import type { Config } from '../config/schema.ts';
import { heldOutDaysOf, testFractionOf } from '../config/heldOut.ts';
import { hashString } from '../util/rng.ts';
import type { Session } from './types.ts';

export type Split = 'train' | 'val' | 'test';

const BUCKETS = 10_000;

/** The split of one session id under a session-hash config. */
export function hashSplitOf(config: Config, sessionId: string): Split {
  const d = config.data;
  const val = Math.round(d.heldOutFraction * BUCKETS);
  const test = Math.round(testFractionOf(d) * BUCKETS);
  const bucket = hashString(sessionId) % BUCKETS;
  return bucket < val ? 'val' : bucket < val + test ? 'test' : 'train';
}

/** A day filter for the reader plus a per-session test. */
export function splitFilter(config: Config, split: Split): { days?: Set<string>; accept: (s: Session) => boolean } {
  const d = config.data;
  if (d.split === 'session-hash') {
    const days = split === 'train' && d.trainDays.length ? new Set(d.trainDays) : undefined;
    return { days, accept: (s) => hashSplitOf(config, s.id) === split };
  }
  const { val, test } = heldOutDaysOf(d);
  if (split === 'val') return { days: new Set(val), accept: () => true };
  if (split === 'test') return { days: new Set(test), accept: () => true };
  if (d.trainDays.length) return { days: new Set(d.trainDays), accept: () => true };
  const heldOut = new Set([...val, ...test]);
  return { accept: (s) => !heldOut.has(s.day) };
}

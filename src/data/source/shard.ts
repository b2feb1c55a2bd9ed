// Sharding a pass over the logs across processes or machines. The unit is a whole log file, never part of one, so
// no session is ever split. THE ASSIGNMENT: number the log files in the order skiptrain reads them (sorted relative
// paths for a folder, member order for an archive, all days counted whatever --days says); file i belongs to shard
// i mod N. Every worker enumerates the same list, so the assignment needs no coordination, and shard I's k-th file is
// file I + k·N of the whole source (the cache relies on this to name its shard files as one pass would).
import { UserError } from '../../errors.ts';
import { dayFromFileName } from '../format/dates.ts';

export interface ShardSpec {
  /** This worker, 0-based. */
  index: number;
  /** Number of workers. */
  of: number;
}

/** Environment variables that hold a worker's index in the batch engines `--shard auto/N` supports, in that order. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

const WHOLE = /^\d+$/;

/** `I/N` or `auto/N` (I from JOB_COMPLETION_INDEX, else SLURM_ARRAY_TASK_ID); anything else is a UserError naming --shard. */
export function parseShard(text: string, env: Record<string, string | undefined> = process.env): ShardSpec {
  const m = /^\s*([^/\s]+)\s*\/\s*([^/\s]+)\s*$/.exec(text);
  if (!m) throw new UserError(`--shard must be I/N or auto/N (e.g. 0/4), got '${text}'`);
  const [, first, second] = m;
  if (!WHOLE.test(second) || Number(second) < 1) throw new UserError(`--shard ${text}: N must be a whole number ≥ 1, got '${second}'`);
  const of = Number(second);
  let index: number;
  if (first === 'auto') {
    const name = SHARD_INDEX_VARIABLES.find((v) => env[v] !== undefined && env[v] !== '');
    if (!name) {
      throw new UserError(`--shard auto/${of}: neither ${SHARD_INDEX_VARIABLES.join(' nor ')} is set (run it as a Kubernetes Indexed Job or a Slurm job array, or give the index: --shard I/${of})`);
    }
    const value = env[name]!;
    if (!WHOLE.test(value)) throw new UserError(`--shard auto/${of}: ${name} must be a whole number, got '${value}'`);
    index = Number(value);
    if (index >= of) throw new UserError(`--shard auto/${of}: ${name}=${index} is out of range 0..${of - 1}`);
  } else {
    if (!WHOLE.test(first)) throw new UserError(`--shard ${text}: I must be a whole number or 'auto', got '${first}'`);
    index = Number(first);
    if (index >= of) throw new UserError(`--shard ${text}: I must be in 0..${of - 1}`);
  }
  return { index, of };
}

export const shardLabel = (s: ShardSpec) => `${s.index}/${s.of}`;

/**
 * Which log files a reader opens: only those of `days` (by the day in the file name, as before) and of `shard`.
 * Stateful: the shard test counts the files as openEntries offers them (every text file, once, in order), so use one
 * per pass. Undefined when nothing is filtered.
 */
export function entryFilter(days?: ReadonlySet<string>, shard?: ShardSpec): ((path: string) => boolean) | undefined {
  if (!days && (!shard || shard.of === 1)) return undefined;
  let seen = 0;
  return (path) => {
    // Counted before the day test, so the assignment does not depend on --days.
    const mine = !shard || seen++ % shard.of === shard.index;
    if (!mine || !days) return mine;
    const day = dayFromFileName(path);
    return day === null || days.has(day);
  };
}

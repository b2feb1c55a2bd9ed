// What the fuzz tests share: small synthetic inputs from writeSynth, the outcome of a read (its sessions and counts,
// or the error), and the rule every outcome must follow: the reference reader's result, or a user-facing error that
// names the file (and line), never another exception.
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openEntries } from '../../src/data/source/archive.ts';
import { newReadCounts, type ReadCounts, type ReadLogOptions } from '../../src/data/read/readOptions.ts';
import { writeSynth } from '../../src/data/synth/index.ts';
import type { Session } from '../../src/data/format/types.ts';
import { isUserFacing } from '../../src/errors.ts';
import { referenceSessions } from './referenceReader.ts';

/**
 * fast-check settings of every property: a few hundred runs (SKIPTRAIN_FUZZ_RUNS=N for a longer search), each
 * stopped, and failed, after `timeout` ms.
 */
export const FUZZ = { numRuns: Number(process.env.SKIPTRAIN_FUZZ_RUNS) || 300, timeout: 10_000, includeErrorInReport: true } as const;

export interface SynthInputs {
  logs: string; // training_set.tar.gz
  tracks: string; // track_features.tar.gz
  /** The log CSVs inside `logs`: entry name and bytes. */
  logFiles: { name: string; bytes: Buffer }[];
  trackFile: Buffer;
  /** The challenge test set of the day after: log_prehistory_… and log_input_… CSVs. */
  testSet: { prehistory: string; input: string };
}

/** A small synthetic MSSD copy (two days, one file each, 40 tracks, and a test set) under `dir`. */
export async function synthInputs(dir: string): Promise<SynthInputs> {
  const synth = await writeSynth({ out: join(dir, 'synth'), sessions: 16, days: 2, seed: 11, tracks: 40, filesPerDay: 1, testSet: true });
  const { logs, tracks } = synth;
  const entries = async (src: string) => {
    const out: { name: string; bytes: Buffer }[] = [];
    for await (const e of openEntries(src)) {
      const chunks: Buffer[] = [];
      for await (const c of e.bytes) chunks.push(c);
      out.push({ name: e.path.split('/').pop()!, bytes: Buffer.concat(chunks) });
    }
    return out;
  };
  const testSet = { prehistory: synth.testSet!.prehistory[0], input: synth.testSet!.input[0] };
  return { logs, tracks, logFiles: await entries(logs), trackFile: (await entries(tracks))[0].bytes, testSet };
}

export type Outcome = { ok: true; sessions: Session[]; counts: ReadCounts } | { ok: false; error: unknown };

/** Every session of `read` with the counts it filled in, or what it threw. */
export async function outcomeOf(read: (counts: ReadCounts) => AsyncIterable<Session>): Promise<Outcome> {
  const counts = newReadCounts();
  const sessions: Session[] = [];
  try {
    for await (const s of read(counts)) sessions.push(s);
  } catch (error) {
    return { ok: false, error };
  }
  return { ok: true, sessions, counts };
}

export const referenceOutcome = (src: string, opts: ReadLogOptions) => outcomeOf((counts) => referenceSessions(src, { ...opts, counts }));

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));

/**
 * A user-facing error (errors.ts) whose message starts with `where` (a file or an archive); with `line`, it goes on
 * to name a line (":12: ", or " › member.csv:12: " inside an archive), or says the file is empty.
 */
export function assertUserFacing(e: unknown, where: string, line: boolean): void {
  if (!isUserFacing(e)) assert.unreachable(`not a user-facing error: ${describe(e)}`);
  const msg = (e as Error).message;
  assert.ok(msg.startsWith(where), `the message does not name ${where}: ${msg}`);
  if (line) assert.match(msg.slice(where.length), /^(?: › [^:]*)?(:\d+: |: empty file)/, `the message does not name a line: ${msg}`);
}

/** The line a "where:line: …" (or "where › member:line: …") message names; Infinity when none. */
export function lineOf(e: unknown, where: string): number {
  const m = (e as Error).message.slice(where.length).match(/^(?: › [^:]*)?:(\d+): /);
  return m ? Number(m[1]) : Infinity;
}

/**
 * The one rule where the reader deliberately differs from the reference: seek counts are stored in 16 bits, so a
 * count outside 0..65535 (or negative) stops the read at its line, where the reference read it as a number.
 */
const SEEK_RULE = /: column 'hist_user_behavior_n_seek(fwd|back)' must be 0\.\.65535, found (-?[\d.e+]+|-?Infinity)$/;

/**
 * `ours` agrees with the reference outcome on the source `where`: the same sessions and counts, or the same error —
 * or the seek rule above, at a line no later than the reference's error (the reference reads on past it). Errors
 * of the bytes themselves (a corrupt archive) name no line, the reader's other errors do (`line`).
 */
export function assertAgrees(ref: Outcome, ours: Outcome, where: string, how: string, line = true): void {
  if (ours.ok) {
    assert.ok(ref.ok, `${how}: the reference fails (${ref.ok ? '' : (ref.error as Error).message}) but the reader accepts`);
    assert.equal(ours, ref, how);
    return;
  }
  assertUserFacing(ours.error, where, line);
  const our = ours.error as Error;
  const theirs = ref.ok ? null : (ref.error as Error);
  if (theirs && theirs.name === our.name && theirs.message === our.message) return;
  const seekRule = SEEK_RULE.test(our.message) && (!theirs || lineOf(our, where) <= lineOf(theirs, where));
  assert.ok(seekRule, `${how}: the reference ${theirs ? `fails with ${theirs.name}: ${theirs.message}` : 'accepts'}; the reader fails with ${our.message}`);
}

// Small real-format inputs built inside the tests: log/track CSV text, temp folders, tar.gz archives.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Callback, Test } from 'uvu';
import { LOG_COLUMN, LOG_COLUMNS, TRACK_COLUMNS } from '../../src/data/format/columns.ts';
import { newUnknownCategories, UNKNOWN_EXAMPLES, type UnknownCategories } from '../../src/data/format/unknownCategories.ts';

/**
 * The 201 real MSSD rows (in the dataset's spelling and as re-saved by pandas) are not part of the repo: tests that
 * need them find their folder through SKIPTRAIN_MSSD_EXCERPT (CI sets it) and are skipped, with a notice, without it.
 */
export const EXCERPT_DIR = process.env.SKIPTRAIN_MSSD_EXCERPT ?? '';
export const EXCERPT = EXCERPT_DIR && join(EXCERPT_DIR, 'log_excerpt.csv');
export const EXCERPT_PANDAS = EXCERPT_DIR && join(EXCERPT_DIR, 'log_excerpt_pandas.csv');

/** `test` where the excerpt is there, else `test.skip` after printing once which file's tests are skipped and why. */
export function excerptTest(test: Test, file: string): (name: string, body: Callback) => void {
  if (EXCERPT_DIR) {
    if (!existsSync(EXCERPT) || !existsSync(EXCERPT_PANDAS)) {
      throw new Error(`SKIPTRAIN_MSSD_EXCERPT=${EXCERPT_DIR} has no log_excerpt.csv and log_excerpt_pandas.csv`);
    }
    return test;
  }
  console.log(`notice: ${file}: tests on the real MSSD excerpt skipped (set SKIPTRAIN_MSSD_EXCERPT to its folder)`);
  return (name) => test.skip(name);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'skiptrain-data-test-'));
}

export const LOG_HEADER = LOG_COLUMNS.join(',');
export const TRACK_HEADER = TRACK_COLUMNS.join(',');

export interface RowSpec {
  session: string;
  position: number;
  length: number;
  track?: string;
  skip2?: boolean;
  date?: string;
  context?: string;
  reasonStart?: string;
}

/** One log line in the dataset's own format; unspecified columns take plausible values. */
export function logLine(r: RowSpec): string {
  const s2 = r.skip2 ?? false;
  return [
    r.session, r.position, r.length, r.track ?? `t_${r.position}`,
    s2, s2, s2, !s2, 0, 1, 0, 0, 0, 0, true, 16, r.date ?? '2018-07-15', true,
    r.context ?? 'user_collection', r.reasonStart ?? 'trackdone', s2 ? 'fwdbtn' : 'trackdone',
  ].join(',');
}

/** A whole log file: header + a full session of `length` rows for each [id, length]. */
export function logFile(sessions: [string, number][], date = '2018-07-15'): string {
  const lines = [LOG_HEADER];
  for (const [id, length] of sessions) {
    for (let p = 1; p <= length; p++) lines.push(logLine({ session: id, position: p, length, date, skip2: p % 3 === 0 }));
  }
  return lines.join('\n') + '\n';
}

/**
 * A log file (header, then lines in the dataset's column order) with made-up categorical values: every 5th data line
 * (from the first) gets context_type made_up_context_0 … _3 in turn (four values: more than the examples kept), every
 * 7th (from the fourth) hist_user_behavior_reason_end 'zz_end'. `expected`: the counts of a read that keeps every row,
 * and `first`: the first made-up value's line (1 = the header).
 */
export function madeUpCategories(log: string): { text: string; expected: UnknownCategories; first: { line: number; column: string; value: string } } {
  const expected = newUnknownCategories();
  const [header, ...lines] = log.trimEnd().split('\n');
  const edited = lines.map((line, i) => {
    const f = line.split(',');
    const put = (column: 'context_type' | 'hist_user_behavior_reason_end', value: string) => {
      f[LOG_COLUMN[column]] = value;
      const c = expected[column];
      c.rows++;
      if (c.examples.length < UNKNOWN_EXAMPLES && !c.examples.includes(value)) c.examples.push(value);
    };
    if (i % 5 === 0) put('context_type', `made_up_context_${(i / 5) % 4}`);
    if (i % 7 === 3) put('hist_user_behavior_reason_end', 'zz_end');
    return f.join(',');
  });
  return { text: [header, ...edited].join('\n') + '\n', expected, first: { line: 2, column: 'context_type', value: 'made_up_context_0' } };
}

/** A track file line: id, then the 29 features where `mode` is written major/minor as in the dataset. */
export function trackLine(id: string, values: number[]): string {
  const mode = TRACK_COLUMNS.indexOf('mode') - 1;
  return [id, ...values.map((v, i) => (i === mode ? (v ? 'major' : 'minor') : String(v)))].join(',');
}

/** A tar.gz holding the given entries (names are member paths). */
export async function tarGz(entries: { name: string; content: string | Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) pack.entry({ name: e.name }, e.content);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The DataError message of a failing promise (fails the test when it resolves or throws something else). */
export async function dataErrorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if ((e as Error).name === 'DataError') return (e as Error).message;
    throw e;
  }
  throw new Error('expected a DataError, but the call succeeded');
}

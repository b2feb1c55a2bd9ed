// --shard I/N: parsing (including auto/N from the batch engine's index variable) and which files a worker reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { entryFilter, parseShard } from '../../../src/data/source/shard.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { UserError } from '../../../src/errors.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { collect, tempDir } from '../../helpers/dataFixtures.ts';

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.instance(e, UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
};

test('parseShard: I/N, auto/N from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, and clear errors', () => {
  assert.equal(parseShard('0/2', {}), { index: 0, of: 2 });
  assert.equal(parseShard(' 2 / 3 ', {}), { index: 2, of: 3 });
  assert.equal(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, of: 4 });
  assert.equal(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '1' }), { index: 1, of: 4 });
  assert.equal(parseShard('auto/4', { JOB_COMPLETION_INDEX: '2', SLURM_ARRAY_TASK_ID: '1' }), { index: 2, of: 4 }, 'Kubernetes first');
  assert.match(errorOf(() => parseShard('auto/4', {})), 'neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set');
  assert.match(errorOf(() => parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '4' })), 'SLURM_ARRAY_TASK_ID=4 is out of range 0..3');
  assert.match(errorOf(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: 'x' })), "JOB_COMPLETION_INDEX must be a whole number, got 'x'");
  assert.match(errorOf(() => parseShard('2/2', {})), '--shard 2/2: I must be in 0..1');
  assert.match(errorOf(() => parseShard('0/0', {})), 'N must be a whole number ≥ 1');
  assert.match(errorOf(() => parseShard('-1/2', {})), "I must be a whole number or 'auto'");
  assert.match(errorOf(() => parseShard('3', {})), '--shard must be I/N or auto/N');
});

test('entryFilter: file i goes to shard i mod N, counted before the day filter', () => {
  const files = ['a/log_0_20180715_0.csv', 'a/log_1_20180715_0.csv', 'a/log_0_20180716_0.csv', 'a/log_1_20180716_0.csv', 'a/log_0_20180717_0.csv'];
  const pick = (f: ((p: string) => boolean) | undefined) => files.filter((p) => !f || f(p));
  assert.equal(pick(entryFilter(undefined, { index: 0, of: 2 })), [files[0], files[2], files[4]]);
  assert.equal(pick(entryFilter(undefined, { index: 1, of: 2 })), [files[1], files[3]]);
  assert.equal(pick(entryFilter(new Set(['2018-07-16']), { index: 1, of: 2 })), [files[3]]);
  assert.equal(pick(entryFilter(new Set(['2018-07-16']), { index: 0, of: 2 })), [files[2]]);
  assert.is(entryFilter(undefined, { index: 0, of: 1 }), undefined);
});

test('readSessions with --shard: the shards of N = 1, 2, 3 partition the sessions by file, archive and folder', async () => {
  const data = await writeSynth({ out: join(tempDir(), 'data'), sessions: 240, days: 2, seed: 3, tracks: 100, filesPerDay: 2 });
  const all = await collect(readSessions(data.logs));
  for (const of of [1, 2, 3]) {
    const parts = [];
    for (let index = 0; index < of; index++) parts.push(await collect(readSessions(data.logs, { shard: { index, of } })));
    const ids = parts.flat().map((s) => s.id);
    assert.is(ids.length, all.length, `N=${of}: every session once`);
    assert.equal(new Set(ids), new Set(all.map((s) => s.id)));
    // Whole files: the file of every session (its source label without the line) belongs to exactly one shard.
    const fileOf = (source: string) => source.replace(/:\d+$/, '');
    const owners = new Map<string, Set<number>>();
    parts.forEach((p, i) => p.forEach((s) => owners.set(fileOf(s.source), (owners.get(fileOf(s.source)) ?? new Set()).add(i))));
    assert.is(owners.size, 4);
    for (const [file, o] of owners) assert.is(o.size, 1, `${file} read by one shard`);
  }
});

test.run();

// Fuzzed cache manifests: the manifest.json of a cache built from the synthetic logs, mutated
// (test/helpers/mutators.ts) and opened with openCache, then read. A version 3 manifest carries the CRC-32C of its
// content: every outcome is the cache as built (the same sessions as the logs) or "no usable cache", with one line
// naming the cache folder and why — it is then rebuilt — never an exception. A version 2 manifest (no CRC, used
// unchecked) may describe other shards, but opening and reading it still never crash: any failure is a DataError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildCache, openCache, readCachedSessions } from '../../../../src/data/cache/cache.ts';
import { MANIFEST_NAME } from '../../../../src/data/cache/manifest.ts';
import { readSessions } from '../../../../src/data/read/logs.ts';
import { loadTrackTable } from '../../../../src/data/read/tracks.ts';
import type { Session, TrackTable } from '../../../../src/data/format/types.ts';
import { collect } from '../../../helpers/dataFixtures.ts';
import { assertUserFacing, FUZZ, synthInputs } from '../../../helpers/fuzz.ts';
import { mutateAll, mutationsArb, type Mutation } from '../../../helpers/mutators.ts';

let dir = '';
let cacheDir = '';
let logs = '';
let tracksPath = '';
let tracks: TrackTable;
let saved: Buffer;
let expected: Session[] = [];
const DAY = new Set(['2018-07-16']);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fuzz-cache-'));
  const synth = await synthInputs(dir);
  logs = synth.logs;
  tracksPath = synth.tracks;
  tracks = await loadTrackTable(tracksPath);
  cacheDir = join(dir, 'cache');
  await buildCache(cacheDir, logs, tracks, { tracksPath, workers: 0, log: () => {} });
  saved = await readFile(join(cacheDir, MANIFEST_NAME));
  expected = await collect(readSessions(logs, { tracks }));
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What version 2 wrote: the same manifest without the CRCs. */
function versionTwo(manifest: Buffer): Buffer {
  const { manifestCrc32c: _m, ...old } = JSON.parse(manifest.toString('utf8'));
  const shards = old.shards.map(({ crc32c: _c, ...shard }: { crc32c: number }) => shard);
  return Buffer.from(JSON.stringify({ ...old, version: 2, shards }, null, 1));
}

/** Opens the cache under the mutated manifest: its sessions (all, and of one day), or null with the line said. */
async function openMutated(manifest: Buffer, ms: Mutation[]): Promise<{ all: Session[]; day: Session[] } | null> {
  await writeFile(join(cacheDir, MANIFEST_NAME), mutateAll(manifest, ms));
  const said: string[] = [];
  const m = await openCache(cacheDir, logs, tracksPath, { log: (l) => said.push(l) });
  if (m === null) {
    assert.is(said.length, 1, said.join('\n'));
    assert.ok(said[0].startsWith(`cache ${cacheDir}: `), said[0]);
    return null;
  }
  try {
    return { all: await collect(readCachedSessions(cacheDir, m, tracks)), day: await collect(readCachedSessions(cacheDir, m, tracks, { days: DAY })) };
  } catch (e) {
    assertUserFacing(e, cacheDir, false);
    return null;
  }
}

test('a version 3 manifest, mutated: the cache as built, or no cache (said in one line naming it)', async () => {
  await fc.assert(
    fc.asyncProperty(mutationsArb, async (ms) => {
      const got = await openMutated(saved, ms);
      if (got) assert.equal(got, { all: expected, day: expected.filter((s) => DAY.has(s.day)) }, JSON.stringify(ms));
    }),
    { ...FUZZ },
  );
});

/** Failures found, as fast-check shrank them (each ran before its fix; see the commits named). */
const V2_REGRESSIONS: [Mutation[]][] = [
  // seed -1282163297: a flipped bit in the key "files" of logs: TypeError reading its map.
  [[{ kind: 'flipByte', at: 867325, bit: 0 }]],
];

test('a version 2 manifest (unchecked), mutated: opened and read, or no cache, or a DataError', async () => {
  const v2 = versionTwo(saved);
  await fc.assert(
    fc.asyncProperty(mutationsArb, (ms) => openMutated(v2, ms).then(() => {})),
    { ...FUZZ, examples: V2_REGRESSIONS },
  );
});

test.run();

// The byte-level block parser agrees with readEntrySessions wherever it answers, and hands anything unusual over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEntries } from '../src/data/archive.ts';
import { newReadCounts, readEntrySessions, type ReadLogOptions } from '../src/data/logs.ts';
import { fastEntryBlocks, SlowPath } from '../src/data/parallel/fastBlocks.ts';
import { sessionAt } from '../src/data/cache/block.ts';
import type { Session } from '../src/data/types.ts';
import { EXCERPT_DIR, excerptTest } from './data/fixtures.ts';

const withExcerpt = excerptTest(test, 'test/cache-fastparse.test.ts');
let dir = '';

async function viaReference(path: string, opts: ReadLogOptions) {
  const counts = newReadCounts();
  const sessions: Session[] = [];
  for await (const entry of openEntries(path)) for await (const s of readEntrySessions(entry, opts, counts)) sessions.push(s);
  return { sessions, counts };
}

async function viaFast(path: string, opts: ReadLogOptions, blockSessions = 3) {
  const counts = newReadCounts();
  const sessions: Session[] = [];
  for await (const entry of openEntries(path)) {
    for await (const b of fastEntryBlocks(entry, opts, counts, entry.sourceBytesRead, blockSessions)) {
      for (let s = 0; s < b.ids.length; s++) sessions.push(sessionAt(b, s, null));
    }
  }
  return { sessions, counts };
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptrain-fast-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

withExcerpt('both real excerpt files (true/false and pandas True/False with DD-MM-YY dates) parse exactly as the reader does', async () => {
  for (const name of ['log_excerpt.csv', 'log_excerpt_pandas.csv']) {
    for (const opts of [{}, { days: new Set(['2018-07-14']) }, { badDates: 'keep' as const, dateRange: ['2018-07-15', '2018-07-15'] as [string, string] }]) {
      const ref = await viaReference(join(EXCERPT_DIR, name), opts);
      const fast = await viaFast(join(EXCERPT_DIR, name), opts);
      assert.ok(ref.sessions.length > 0);
      assert.equal(fast.sessions, ref.sessions, name);
      assert.equal(fast.counts, ref.counts);
    }
  }
});

withExcerpt('CRLF line ends, a BOM, blank lines and a final line without newline keep the same sessions and line numbers', async () => {
  const text = await readFile(join(EXCERPT_DIR, 'log_excerpt.csv'), 'utf8');
  const lines = text.trimEnd().split('\n');
  lines.splice(30, 0, '', '');
  const path = join(dir, 'odd.csv');
  await writeFile(path, '\ufeff' + lines.join('\r\n'));
  const ref = await viaReference(path, { badDates: 'skip-row', dateRange: ['2018-07-15', '2018-07-15'] });
  const fast = await viaFast(path, { badDates: 'skip-row', dateRange: ['2018-07-15', '2018-07-15'] });
  assert.ok(ref.counts.droppedRows > 0);
  assert.equal(fast.sessions, ref.sessions);
  assert.equal(fast.counts, ref.counts);
});

withExcerpt('unusual input is handed to the reference reader', async () => {
  const text = await readFile(join(EXCERPT_DIR, 'log_excerpt.csv'), 'utf8');
  const lines = text.split('\n');
  const cases: [string, (l: string[]) => void][] = [
    ['quoted', (l) => (l[5] = l[5].replace('true', '"true"'))],
    ['boolean', (l) => (l[5] = l[5].replace(',true,', ',yes,'))],
    ['fields', (l) => (l[5] = l[5] + ',extra')],
    ['order', (l) => ([l[5], l[6]] = [l[6], l[5]])],
    ['header', (l) => (l[0] = l[0].split(',').reverse().join(','))],
  ];
  for (const [what, edit] of cases) {
    const copy = [...lines];
    edit(copy);
    const path = join(dir, `${what}.csv`);
    await writeFile(path, copy.join('\n'));
    let thrown: unknown = null;
    try {
      await viaFast(path, {});
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof SlowPath, `${what}: ${String(thrown)}`);
  }
});

test.run();

// `npm run bench -- pipeline --peers` on a tiny archive and folder, with a Python that has no DuckDB or pandas:
// inspect, gunzip and zlib still give their {"step": "peer", …} rows (with inspect's row count), DuckDB and pandas
// one peer-missing row each, the command that installs them is printed, and the summary's ratios leave them out.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEntries } from '../../../src/data/source/archive.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';

test('peers that cannot run are named with how to install them; the others give rows and ratios', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiptrain-read-peers-'));
  try {
    const synth = await writeSynth({ out: dir, sessions: 300, days: 1, seed: 5, tracks: 200, filesPerDay: 2 });
    const folder = join(dir, 'gz');
    await mkdir(folder);
    let rows = 0;
    for await (const entry of openEntries(synth.logs)) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.bytes) chunks.push(chunk);
      const text = Buffer.concat(chunks);
      rows += text.toString().trim().split('\n').length - 1;
      await writeFile(join(folder, `${entry.path.split('/').pop()}.gz`), gzipSync(text, { level: 1 }));
    }
    const args = ['--import', 'tsx', 'scripts/bench.ts', 'pipeline', '--quick', '--json', '--peers', '--archive', synth.logs, '--folder', folder];
    const r = spawnSync(process.execPath, [...args, '--peers-python', '/nonexistent/python3'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const peers = lines.filter((l) => l.step === 'peer');
    assert.equal(peers.map((p) => p.tool).sort(), ['gunzip', 'inspect', 'zlib']);
    assert.ok(peers.every((p) => p.rows === rows && p.seconds > 0 && p.rowsPerSec > 0), JSON.stringify(peers));
    const missing = lines.filter((l) => l.step === 'peer-missing');
    assert.equal(missing.map((m) => m.tool), ['duckdb', 'duckdb-count', 'pandas']);
    assert.match(r.stderr, 'v/bin/pip install duckdb pandas');
    const summary = lines[lines.length - 1];
    assert.equal(Object.keys(summary.peers.inspectRatio).sort(), ['gunzip', 'zlib']);
    assert.is(summary.reader, `blocks-${summary.defaultWorkers}w`);
    assert.ok(summary.gunzipRatio > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

// Speed and memory of the explore pass against its baseline, the bare log reader, in the same process and run.
// npm run bench -- explore [--sessions N] [--logs PATH --tracks PATH] [--json]
// Without --logs it generates a synthetic archive (writeSynth) into a temp folder first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSessions } from '../../src/data/read/logs.ts';
import { writeSynth } from '../../src/data/synth/index.ts';
import { loadTrackTable } from '../../src/data/read/tracks.ts';
import { ExploreAccumulator } from '../../src/explore/explorePass.ts';

interface ExploreBench {
  rows: number;
  sessions: number;
  readerRowsPerSecond: number;
  exploreRowsPerSecond: number;
  /** Seconds of `finish` (sample analyses: shuffled null, scatter, PC). */
  finishSeconds: number;
  /** Resident memory (MB) after 25 %, 50 % and 100 % of the rows: flat if the pass is bounded. */
  rssMBAtQuarters: number[];
  /** Live JS heap (MB) at the same points, after a full GC when node runs with --expose-gc (else NaN). */
  heapMBAtQuarters: number[];
}

async function benchExplore(logs: string, tracksPath: string): Promise<ExploreBench> {
  const tracks = await loadTrackTable(tracksPath);
  let t0 = performance.now();
  let rows = 0;
  let sessions = 0;
  for await (const s of readSessions(logs)) {
    rows += s.rows.length;
    sessions++;
  }
  const readerSeconds = (performance.now() - t0) / 1000;

  const acc = new ExploreAccumulator(tracks);
  const marks = [0.25, 0.5, 1].map((q) => Math.floor(q * rows));
  const rss: number[] = [];
  const heap: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  t0 = performance.now();
  for await (const s of readSessions(logs)) {
    acc.addSession(s);
    while (rss.length < marks.length && acc.rows >= marks[rss.length]) {
      gc?.();
      const m = process.memoryUsage();
      rss.push(m.rss / 1e6);
      heap.push(gc ? m.heapUsed / 1e6 : NaN);
    }
  }
  const passSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  acc.finish();
  const finishSeconds = (performance.now() - t0) / 1000;
  return {
    rows,
    sessions,
    readerRowsPerSecond: rows / readerSeconds,
    exploreRowsPerSecond: rows / passSeconds,
    finishSeconds,
    rssMBAtQuarters: rss.map((m) => Math.round(m)),
    heapMBAtQuarters: heap.map((m) => Math.round(m)),
  };
}

export interface ExploreBenchArgs {
  json: boolean;
  sessions: number;
  logs?: string;
  tracks?: string;
}

export async function runExploreBench(args: ExploreBenchArgs): Promise<void> {
  let { logs, tracks } = args;
  let scratch: string | undefined;
  if (!logs || !tracks) {
    scratch = mkdtempSync(join(tmpdir(), 'explore-bench-'));
    console.error(`generating ${args.sessions} synthetic sessions in ${scratch}`);
    const made = await writeSynth({ out: scratch, sessions: args.sessions, days: 2, seed: 1, tracks: 50_000, filesPerDay: 2 });
    logs = made.logs;
    tracks = made.tracks;
  }
  try {
    const r = await benchExplore(logs, tracks);
    if (args.json) console.log(JSON.stringify(r));
    else {
      console.log(`${r.sessions} sessions, ${r.rows} rows`);
      console.log(`reader alone (baseline): ${Math.round(r.readerRowsPerSecond).toLocaleString('en')} rows/s`);
      console.log(`reader + explore pass:   ${Math.round(r.exploreRowsPerSecond).toLocaleString('en')} rows/s`);
      console.log(`finish (sample analyses, PC): ${r.finishSeconds.toFixed(2)} s`);
      console.log(`RSS after 25/50/100% of rows: ${r.rssMBAtQuarters.join(' / ')} MB`);
      console.log(`live heap after 25/50/100% of rows: ${r.heapMBAtQuarters.join(' / ')} MB (NaN: run node with --expose-gc)`);
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

// npm run bench -- reader-parts [--folder DIR] [--files N] [--json]
//
// Where the first pass's CPU goes, part by part, each as CPU-seconds per compressed MB, all on one thread (no
// workers) so that every part is timed alone: inflating (zlib), cutting the text into ranges (the range cutter),
// parsing ranges into columns (rangeParser.ts, with its C scanner where the addon is built, and parseJavascript:
// without it), the hand-off of each range to a worker and of its columns back
// (structuredClone with the same transfer list as postMessage: both ends' serialising), assembling sessions
// (assembler.ts), and inspect's counting: Session objects with a tally over their rows (as before issue 29), or the
// tally over the blocks' columns (summaryTally.ts, as now). The files are the peers' (pipelinePeers.ts) or --folder's;
// the first --files of them (default 2) are inflated into memory first.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { RangeCutter } from '../../src/data/read/rangeCutter.ts';
import type { HeaderLayout } from '../../src/data/read/logrow.ts';
import { SpareBuffers, spareOrFresh } from '../../src/util/spareBuffers.ts';
import { SessionAssembler } from '../../src/data/read/assembler.ts';
import { RangeParser } from '../../src/data/read/rangeParser.ts';
import { rangeBuffers, type RangeRows } from '../../src/data/read/rangeRows.ts';
import { sessionAt, type SessionBlock } from '../../src/data/format/block.ts';
import { SummaryTally } from '../../src/data/passes/summaryTally.ts';
import { newReadCounts } from '../../src/data/read/readOptions.ts';
import { MB } from './common.ts';
import { gzFiles, peerFolder } from './pipelinePeers.ts';

export interface ReaderPartsArgs {
  json: boolean;
  folder?: string;
  files: number;
}

const RANGE = 2 * 1024 * 1024;
const CHUNK = 256 * 1024;

function cpu<T>(f: () => T): [T, number] {
  const start = process.cpuUsage();
  const out = f();
  const used = process.cpuUsage(start);
  return [out, (used.user + used.system) / 1e6];
}

/**
 * blockReader.ts's cutter over the text in zlib-sized chunks: the ranges after the header, and its layout. With
 * `recycle`, each range's buffer goes back at once to carry a later one, as the parse pool gives them back (the
 * ranges are then not kept): the cutter as the reader runs it.
 */
function cutRanges(text: Buffer, recycle = false): { ranges: Uint8Array[]; layout: HeaderLayout } {
  const spare = new SpareBuffers(4);
  const memory = (n: number) => new Uint8Array(spareOrFresh(spare, n, Infinity, RANGE + RANGE / 4), 0, n);
  const cutter = new RangeCutter('reader-parts', RANGE, memory);
  const ranges: Uint8Array[] = [];
  const take = (range: Uint8Array) => (recycle ? spare.give(range.buffer as ArrayBuffer) : ranges.push(range));
  for (let at = 0; at < text.length; at += CHUNK) cutter.push(text.subarray(at, at + CHUNK)).forEach(take);
  const rest = cutter.end();
  if (rest) take(rest);
  return { ranges, layout: cutter.layout! };
}

export async function runReaderParts(args: ReaderPartsArgs): Promise<void> {
  const folder = args.folder ?? (await peerFolder());
  const files = gzFiles(folder).slice(0, args.files);
  const compressed = files.map((f) => readFileSync(f));
  const compressedMB = compressed.reduce((n, b) => n + b.length, 0) / MB;
  const seconds: Record<string, number> = {};
  const add = (part: string, s: number) => (seconds[part] = (seconds[part] ?? 0) + s);
  let rows = 0;
  for (const gz of compressed) {
    // Timed into a null sink, as the reader inflates (holding the text costs page faults the reader never pays).
    const inflateStart = process.cpuUsage();
    for await (const chunk of Readable.from([gz]).pipe(createGunzip({ chunkSize: CHUNK }))) void chunk;
    const inflateUsed = process.cpuUsage(inflateStart);
    add('inflate', (inflateUsed.user + inflateUsed.system) / 1e6);
    const text = gunzipSync(gz);
    add('cut', cpu(() => cutRanges(text, true))[1]);
    const { ranges, layout } = cutRanges(text);
    const parser = new RangeParser(layout, 'auto');
    const [parsed, parse] = cpu(() => ranges.map((r) => parser.parse(r, 0, r.length, null)));
    add('parse', parse);
    const javascript = new RangeParser(layout, 'auto', null, 'other', 'javascript');
    add('parseJavascript', cpu(() => ranges.map((r) => javascript.parse(r, 0, r.length, null)))[1]);
    const [handed, handOff] = cpu(() =>
      parsed.map((r, i) => {
        structuredClone({ bytes: ranges[i] }, { transfer: [ranges[i].buffer as ArrayBuffer] });
        return structuredClone(r, { transfer: rangeBuffers(r) }) as RangeRows;
      }),
    );
    add('handOff', handOff);
    const counts = newReadCounts();
    const assembler = new SessionAssembler('bench', null, { badDates: 'keep' }, counts);
    const blocks: SessionBlock[] = [];
    const [, assemble] = cpu(() => {
      let first = 1;
      for (const r of handed) {
        assembler.add(r, first);
        first += r.lines;
        const b = assembler.take();
        if (b) blocks.push(b);
      }
      assembler.finish();
      const b = assembler.take();
      if (b) blocks.push(b);
    });
    add('assemble', assemble);
    rows += counts.rows;
    const [sessions, objects] = cpu(() => blocks.flatMap((b) => b.ids.map((_, s) => sessionAt(b, s, null))));
    add('sessionObjects', objects);
    const [, sessionTally] = cpu(() => {
      const dates = new Map<string, number>();
      const tracks = new Set<string>();
      let skips = 0;
      for (const s of sessions) {
        for (const row of s.rows) {
          dates.set(row.date, (dates.get(row.date) ?? 0) + 1);
          tracks.add(row.trackId);
          if (row.skip2) skips++;
        }
      }
      return skips;
    });
    add('sessionTally', sessionTally);
    const [, summaryTally] = cpu(() => {
      const tally = new SummaryTally(null);
      for (const b of blocks) tally.add(b);
    });
    add('summaryTally', summaryTally);
  }
  const perMB = Object.fromEntries(Object.entries(seconds).map(([k, s]) => [k, +(s / compressedMB).toFixed(4)]));
  const result = { step: 'reader-parts', files: files.length, compressedMB: +compressedMB.toFixed(1), rows, cpuSecondsPerMB: perMB };
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(`reader parts on ${files.length} files (${result.compressedMB} MB compressed, ${rows.toLocaleString('en-US')} rows), one thread:`);
    const inflate = seconds.inflate;
    for (const [part, s] of Object.entries(seconds)) {
      console.log(`${part.padEnd(16)}${(s / compressedMB).toFixed(4).padStart(9)} CPU-s/MB${(s / inflate).toFixed(2).padStart(8)} × inflate`);
    }
  }
}

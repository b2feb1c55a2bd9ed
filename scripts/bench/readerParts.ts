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
import { LOG_COLUMNS } from '../../src/data/format/columns.ts';
import { headerPositions, isExactHeader, splitFields } from '../../src/data/source/csv.ts';
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
const NL = 0x0a;

function cpu<T>(f: () => T): [T, number] {
  const start = process.cpuUsage();
  const out = f();
  const used = process.cpuUsage(start);
  return [out, (used.user + used.system) / 1e6];
}

/** The cutter of blockReader.ts: zlib-sized chunks appended to a buffer, whole-line ranges copied out. */
function cutRanges(text: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let acc = Buffer.allocUnsafeSlow(RANGE + RANGE / 4);
  let fill = 0;
  for (let at = 0; at < text.length; at += CHUNK) {
    const chunk = text.subarray(at, Math.min(text.length, at + CHUNK));
    if (fill + chunk.length > acc.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(acc.length * 2, fill + chunk.length));
      acc.copy(bigger, 0, 0, fill);
      acc = bigger;
    }
    chunk.copy(acc, fill);
    fill += chunk.length;
    let head = 0;
    while (fill - head >= RANGE) {
      const cut = acc.lastIndexOf(NL, head + RANGE - 1);
      const bytes = new Uint8Array(cut + 1 - head);
      bytes.set(acc.subarray(head, cut + 1));
      out.push(bytes);
      head = cut + 1;
    }
    if (head > 0) {
      acc.copyWithin(0, head, fill);
      fill -= head;
    }
  }
  if (fill > 0) out.push(Uint8Array.from(acc.subarray(0, fill)));
  return out;
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
    const headerEnd = text.indexOf(NL) + 1;
    const header = splitFields(text.toString('utf8', 0, headerEnd - 1));
    const positions = headerPositions(header, LOG_COLUMNS, 'header');
    const layout = { positions, width: header.length, exact: isExactHeader(positions, header.length) };
    const [ranges, cut] = cpu(() => cutRanges(text.subarray(headerEnd)));
    add('cut', cut);
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

// A parse worker: byte ranges in, RangeRows out (their typed arrays and the range's buffer transferred). Messages are
// answered in order.
import { parentPort } from 'node:worker_threads';
import type { RangeParser } from './rangeParser.ts';
import { rangeBuffers } from './rangeRows.ts';
import { parserFor, type FromParseWorker, type ToParseWorker } from './parsePool.ts';

const port = parentPort!;
const parsers = new Map<string, RangeParser>();

port.on('message', (m: ToParseWorker) => {
  try {
    const bytes = m.job.bytes;
    const rows = parserFor(parsers, m.job).parse(bytes, 0, bytes.length, m.job.fileDay);
    // The range's buffer goes back too, for a later range.
    port.postMessage({ kind: 'rows', rows, bytes: bytes.buffer as ArrayBuffer } satisfies FromParseWorker, [...rangeBuffers(rows), bytes.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ kind: 'error', message: err?.message ?? String(e), stack: err?.stack } satisfies FromParseWorker);
  }
});

// A parse worker: byte ranges in, RangeRows out (their typed arrays transferred). Messages are answered in order.
import { parentPort } from 'node:worker_threads';
import { RangeParser, rangeBuffers } from './rangeParser.ts';
import type { FromParseWorker, ToParseWorker } from './parsePool.ts';

const port = parentPort!;
const parsers = new Map<string, RangeParser>();

port.on('message', (m: ToParseWorker) => {
  try {
    const { bytes, layout, dateFormat } = m.job;
    const key = `${dateFormat}|${layout.positions.join(',')}|${layout.width}`;
    let parser = parsers.get(key);
    if (!parser) parsers.set(key, (parser = new RangeParser(layout, dateFormat)));
    const rows = parser.parse(bytes, 0, bytes.length);
    port.postMessage({ kind: 'rows', rows } satisfies FromParseWorker, rangeBuffers(rows));
  } catch (e) {
    const err = e as Error;
    port.postMessage({ kind: 'error', message: err?.message ?? String(e), stack: err?.stack } satisfies FromParseWorker);
  }
});

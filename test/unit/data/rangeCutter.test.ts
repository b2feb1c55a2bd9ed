// The range cutter reads chunks straight into the buffers its ranges are handed out in, and those buffers come back
// full of old bytes. Whatever the chunking, range size and line lengths: the ranges are the file's lines after the
// header, in order, whole, at most rangeBytes unless one line is longer, each range's bytes in a buffer of its own
// that is not written after it is handed out, and nothing past a buffer's filled part is read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RangeCutter } from '../../../src/data/read/rangeCutter.ts';
import { Rng } from '../../../src/util/rng.ts';
import { LOG_HEADER } from '../../helpers/dataFixtures.ts';

const NL = 0x0a;

/** Lines of 1 to 400 bytes (some longer than the ranges), with a CRLF now and then and no blank line. */
function body(rng: Rng, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = 1 + rng.int(rng.next() < 0.1 ? 400 : 60);
    out.push(`${i},` + 'x'.repeat(n) + (rng.next() < 0.2 ? '\r' : ''));
  }
  return out.join('\n') + (rng.next() < 0.5 ? '\n' : '');
}

/** Range memory as ParsePool gives it: given-back buffers first, each refilled with line ends before reuse. */
function recyclingMemory(rng: Rng) {
  const spare: ArrayBuffer[] = [];
  return {
    memory: (n: number): Uint8Array => {
      const i = spare.findIndex((b) => b.byteLength >= n);
      const buffer = i >= 0 ? spare.splice(i, 1)[0] : new ArrayBuffer(n + rng.int(64));
      new Uint8Array(buffer).fill(NL);
      return new Uint8Array(buffer, 0, n);
    },
    giveBack: (range: Uint8Array): void => {
      spare.push(range.buffer as ArrayBuffer);
    },
  };
}

test('ranges are the lines after the header, whole and in order, whatever the chunks and buffers', () => {
  const rng = new Rng(31);
  for (let round = 0; round < 60; round++) {
    const text = `${rng.next() < 0.3 ? '\uFEFF' : ''}\n${LOG_HEADER}\n${body(rng, 1 + rng.int(300))}`;
    const bytes = Buffer.from(text, 'utf8');
    const rangeBytes = 16 + rng.int(600);
    const mem = recyclingMemory(rng);
    const cutter = new RangeCutter('test.csv', rangeBytes, mem.memory);
    const ranges: Uint8Array[] = [];
    // Ranges not given back (as if still with a worker): their bytes must stay as handed out.
    const held: { view: Uint8Array; copy: Uint8Array }[] = [];
    const take = (range: Uint8Array) => {
      assert.ok(!held.some((h) => h.view.buffer === range.buffer), 'a range in the buffer of a range still held');
      const copy = Uint8Array.from(range);
      ranges.push(copy);
      if (rng.next() < 0.7) mem.giveBack(range); // parsed: its buffer may carry a later range
      else held.push({ view: range, copy });
    };
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + rng.int(rng.next() < 0.2 ? 3000 : 200);
      for (const range of cutter.push(bytes.subarray(at, at + n))) take(range);
      at += n;
    }
    const last = cutter.end();
    if (last) take(last);
    assert.ok(cutter.layout !== null, 'the header is read');
    const expected = bytes.subarray(bytes.indexOf(LOG_HEADER) + LOG_HEADER.length + 1);
    assert.equal(Buffer.concat(ranges).toString('latin1'), expected.toString('latin1'), `round ${round}: the ranges are the body`);
    ranges.slice(0, -1).forEach((r, k) => assert.is(r[r.length - 1], NL, `round ${round}: range ${k} ends at a line end`));
    assert.ok(ranges.every((r) => r.length > 0), 'no empty range');
    const lineEnds = (r: Uint8Array) => r.reduce((n, b) => n + (b === NL ? 1 : 0), 0) + (r[r.length - 1] === NL ? 0 : 1);
    ranges.forEach((r, k) => assert.ok(r.length <= rangeBytes || lineEnds(r) === 1, `round ${round}: range ${k} (${r.length} bytes) is at most a range or one line`));
    held.forEach((h, k) => assert.equal(h.view, h.copy, `round ${round}: held range ${k} unchanged`));
  }
});

test('after a failure, wholeLines gives the complete lines read so far and keeps a part line back', () => {
  const mem = recyclingMemory(new Rng(5));
  const cutter = new RangeCutter('test.csv', 1 << 20, mem.memory);
  assert.equal(cutter.push(Buffer.from(`${LOG_HEADER}\n1,a\n2,b\n3,c`)), []);
  assert.is(Buffer.from(cutter.wholeLines()!).toString(), '1,a\n2,b\n');
});

test.run();

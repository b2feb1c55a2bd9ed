import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskCrc } from '../../../src/train/tensorboard/record.ts';
import { EventWriter } from '../../../src/train/tensorboard/writer.ts';
import { readEventFile, readEvents, readScalars } from '../../../src/train/tensorboard/reader.ts';

// A copy of the golden TensorBoard fixture (written with Google's protobuf library), kept in the repo for CI.
const GOLDEN_PATH = fileURLToPath(new URL('../../fixtures/tensorboard/events.out.tfevents.1700000000.golden', import.meta.url));
const golden = new Uint8Array(readFileSync(GOLDEN_PATH));
const GOLDEN_TIMES = [1700000000.0, 1700000001.25, 1700000002.5, 1700000003.0];

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiptrain-tb-'));
  tempDirs.push(dir);
  return dir;
};
test.after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
const clock = (times: number[]) => () => {
  const t = times.shift();
  if (t === undefined) throw new Error('test clock ran out');
  return t;
};

async function writeGoldenEvents(logdir: string): Promise<EventWriter> {
  const writer = await EventWriter.create(logdir, { wallTime: clock([...GOLDEN_TIMES]) });
  writer.scalar('train/loss', 0.5, 1);
  writer.tensorScalar('val/accuracy', 0.75, 2);
  writer.histogram('weights/lstm_kernel', [-1, 0, 0, 1], 2, 3);
  await writer.close();
  return writer;
}

test('CRC32C masking', () => {
  // The mask rotates right by 15 and adds a constant, modulo 2^32.
  assert.is(maskCrc(0), 0xa282ead8);
  assert.is(maskCrc(0x00008000), (1 + 0xa282ead8) >>> 0);
});

test('the writer reproduces the golden file byte for byte', async () => {
  const dir = tempDir();
  const writer = await writeGoldenEvents(dir);
  assert.match(writer.path, /events\.out\.tfevents\.1700000000\.[^/]+$/);
  assert.equal(readdirSync(dir).length, 1);
  const written = new Uint8Array(readFileSync(writer.path));
  assert.is(written.length, golden.length);
  assert.ok(Buffer.from(written).equals(Buffer.from(golden)), 'bytes equal the golden file');
});

test('the reader decodes the golden file to its table', () => {
  const events = readEvents(golden);
  assert.is(events.length, 4);
  assert.equal(events[0], { wallTime: 1700000000.0, step: 0, fileVersion: 'brain.Event:2' });
  assert.equal(events[1], { wallTime: 1700000001.25, step: 1, summary: [{ tag: 'train/loss', simpleValue: 0.5 }] });
  assert.equal(events[2].wallTime, 1700000002.5);
  assert.equal(events[2].step, 2);
  assert.equal(events[2].summary, [
    { tag: 'val/accuracy', tensor: { dtype: 1, shape: [], floatVal: [0.75], doubleVal: [] }, metadata: { pluginName: 'scalars' } },
  ]);
  assert.equal(events[3], {
    wallTime: 1700000003.0,
    step: 2,
    summary: [
      {
        tag: 'weights/lstm_kernel',
        histo: { min: -1, max: 1, num: 4, sum: 0, sumSquares: 2, bucketLimit: [-0.5, 0.5, 1.7976931348623157e308], bucket: [1, 2, 1] },
      },
    ],
  });
});

test('a truncated final record is ignored and counted; a record that does not match its CRC is skipped and listed', () => {
  for (const cut of [1, 5, 12, 20]) {
    const { events, truncatedBytes } = readEventFile(golden.subarray(0, golden.length - cut));
    assert.is(events.length, 3, `cut ${cut} bytes`);
    assert.ok(truncatedBytes > 0);
  }
  assert.equal(readEventFile(golden).damaged, []);
  const all = readEvents(golden);
  // Flip one byte inside the second record's payload (offset 0x40 is in "train/loss"): that record alone is skipped.
  const corrupt = golden.slice();
  corrupt[0x40] ^= 0xff;
  const payloadHit = readEventFile(corrupt);
  assert.equal(payloadHit.events, [all[0], all[2], all[3]]);
  assert.is(payloadHit.damaged.length, 1);
  assert.ok(payloadHit.damaged[0].offset < 0x40 && 0x40 < payloadHit.damaged[0].offset + payloadHit.damaged[0].bytes);
  // A damaged length is caught by the header CRC, even in the last record; the records after a damaged length are
  // found again by their CRCs.
  const badLength = golden.slice();
  badLength[0xa0] ^= 0x01;
  assert.equal(readEvents(badLength), all.slice(0, 3));
  const secondHeader = golden.slice();
  secondHeader[payloadHit.damaged[0].offset] ^= 0x10;
  const resynced = readEventFile(secondHeader);
  assert.equal(resynced.events, [all[0], all[2], all[3]], 'the records after the damaged one are read');
  assert.equal(resynced.damaged, payloadHit.damaged, 'exactly the damaged record is skipped');
});

test('histograms: counts add up, extremes land in the end buckets, constant values fill one bucket', async () => {
  const dir = tempDir();
  const writer = await EventWriter.create(dir, { wallTime: () => 1700000000 });
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
  writer.histogram('w', values, 5, 20);
  writer.histogram('constant', [2, 2, 2], 5);
  writer.histogram('nothing finite', [NaN, Infinity], 5);
  await writer.close();
  const events = readEvents(new Uint8Array(readFileSync(writer.path)));
  assert.is(events.length, 3, 'file version + two histograms (the non-finite one is skipped)');
  const h = events[1].summary![0].histo!;
  assert.is(h.bucket.length, 20);
  assert.is(h.bucket.reduce((a, b) => a + b, 0), 1000);
  assert.is(h.num, 1000);
  const min = Math.min(...values);
  const max = Math.max(...values);
  assert.is(h.min, min);
  assert.is(h.max, max);
  for (let i = 1; i < h.bucketLimit.length; i++) assert.ok(h.bucketLimit[i] > h.bucketLimit[i - 1], 'limits increase');
  const expectedFirst = values.filter((v) => v < h.bucketLimit[0]).length;
  assert.is(h.bucket[0], expectedFirst);
  assert.equal(events[2].summary![0].histo!.bucket, [3]);
});

test('readScalars merges resumed runs, reads both encodings and tolerates a torn tail', async () => {
  const dir = tempDir();
  const first = await EventWriter.create(dir, { wallTime: clock([1700000000, 1, 2, 3, 4, 5]) });
  for (const step of [10, 20, 30]) first.scalar('train/loss', 1 / step, step);
  first.tensorScalar('val/loss', 0.9, 20);
  first.tensorScalar('val/loss', 0.8, 30);
  await first.close();
  // The run crashed after step 30 and resumes from its step-20 checkpoint, in the same second: a new file.
  const resumed = await EventWriter.create(dir, { wallTime: clock([1700000000, 6, 7, 8]) });
  assert.is.not(resumed.path, first.path);
  resumed.scalar('train/loss', 0.04, 25);
  resumed.tensorScalar('val/loss', 0.7, 30);
  await resumed.flush();
  resumed.scalar('train/loss', 0.03, 35);
  await resumed.close();
  // A crash mid-write leaves half a record at the end of the second file.
  const tail = readFileSync(resumed.path);
  writeFileSync(resumed.path, tail.subarray(0, tail.length - 7));

  const warnings: string[] = [];
  const scalars = await readScalars(dir, { onWarning: (m) => warnings.push(m) });
  assert.equal(
    scalars.get('train/loss')!.map((p) => [p.step, p.value]),
    [
      [10, Math.fround(1 / 10)],
      [20, Math.fround(1 / 20)],
      [25, Math.fround(0.04)],
    ],
  );
  // val/loss carries the scalars plugin metadata only on its first event in each file.
  assert.equal(
    scalars.get('val/loss')!.map((p) => [p.step, p.value, p.wallTime]),
    [
      [20, Math.fround(0.9), 4],
      [30, Math.fround(0.7), 7],
    ],
  );
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /truncated final record/);
  const firstFile = readEvents(new Uint8Array(readFileSync(first.path)));
  assert.ok(firstFile[4].summary![0].metadata, 'first val/loss event describes the plugin');
  assert.is(firstFile[5].summary![0].metadata, undefined, 'later ones do not');
});

test.run();

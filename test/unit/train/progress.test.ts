import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from '../../../src/train/progress.ts';
import { formatDuration, progressBar } from '../../../src/util/progress.ts';

function sink(isTTY: boolean) {
  const out = { text: '', isTTY, columns: 120, write: (s: string) => ((out.text += s), true) };
  return out;
}

test('on a terminal the bar redraws in place with step, loss, speed and ETA', () => {
  let now = 0;
  const stream = sink(true);
  const p = new Progress({ total: 100, epochs: 2, stream, now: () => now });
  for (let step = 1; step <= 50; step++) {
    now += 200;
    p.update({ step, epoch: 0, loss: 0.5, seqPerSec: 320 });
  }
  p.log('validation: ok');
  p.done();
  assert.not.match(stream.text.split('\nvalidation')[0], '\n', 'redraws never add lines');
  const last = stream.text.split('\r').at(-1)!;
  assert.match(last, /\[#{12}\.{12}\]\s+50% step 50\/100/);
  assert.match(last, 'epoch 1/2');
  assert.match(last, 'loss 0.5000');
  assert.match(last, '320 seq/s');
  assert.match(last, 'ETA 0m10s'); // 49 steps took 9.8 s → 50 more take 10 s
  assert.match(stream.text, '\nvalidation: ok\n');
});

test('without a terminal it prints plain lines at most every few seconds, and marks estimates', () => {
  let now = 0;
  const stream = sink(false);
  const p = new Progress({ total: 1000, totalIsEstimate: true, epochs: 1, stream, now: () => now, plainEverySeconds: 5 });
  for (let step = 1; step <= 100; step++) {
    now += 250; // 25 s in all
    p.update({ step, epoch: 0, loss: 1, seqPerSec: 10 });
  }
  assert.not.match(stream.text, '\r');
  const lines = stream.text.trim().split('\n');
  assert.ok(lines.length >= 5 && lines.length <= 6, `${lines.length} lines`);
  assert.match(lines[0], 'step 1/~1000');
  assert.match(lines.at(-1)!, 'ETA ~');
});

test('helpers format bars and durations', () => {
  assert.is(progressBar(0.5, 4), '[##..]');
  assert.is(progressBar(2, 2), '[##]');
  assert.is(formatDuration(65), '1m05s');
  assert.is(formatDuration(3725), '1h02m');
});

test.run();

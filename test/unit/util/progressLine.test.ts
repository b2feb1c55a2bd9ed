// The one progress renderer: redrawn in place on a terminal, throttled plain lines otherwise, messages on lines of
// their own, and the same text never drawn twice in a row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, ProgressLine } from '../../../src/util/progress.ts';

function sink(isTTY: boolean) {
  const out = { text: '', isTTY, columns: 40, write: (s: string) => ((out.text += s), true) };
  return out;
}

test('on a terminal: redrawn with \\r, cut to the width, log() on a fresh line, done() ends the line', () => {
  let now = 0;
  const stream = sink(true);
  const line = new ProgressLine({ stream, now: () => now });
  line.update('first');
  now += 50;
  line.update('too soon'); // within the 100 ms interval
  now += 100;
  line.update('x'.repeat(100));
  line.log('a message');
  line.update('after', true);
  line.done();
  assert.is(stream.text, `\rfirst\x1b[K\r${'x'.repeat(39)}\x1b[K\na message\n\rafter\x1b[K\n`);
});

test('without a terminal: plain lines at most every plainEveryMs, forced updates shown, repeats dropped', () => {
  let now = 0;
  const stream = sink(false);
  const line = new ProgressLine({ stream, now: () => now, plainEveryMs: 1000 });
  for (let i = 1; i <= 30; i++) {
    now += 100; // 3 s in all
    line.update(`step ${i}`);
  }
  line.update('done 30/30', true);
  line.update('done 30/30', true); // a job reporting its end twice prints it once
  line.done('finished');
  assert.not.match(stream.text, '\r');
  assert.equal(stream.text.trim().split('\n'), ['step 1', 'step 11', 'step 21', 'done 30/30', 'finished']);
});

test('durations read the same everywhere', () => {
  assert.is(formatDuration(5), '0m05s');
  assert.is(formatDuration(65), '1m05s');
  assert.is(formatDuration(3725), '1h02m');
  assert.is(formatDuration(Number.POSITIVE_INFINITY), '?');
});

test.run();

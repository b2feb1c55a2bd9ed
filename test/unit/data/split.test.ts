// Which sessions belong to which split. Under session-hash the rule is fixed (a changed rule moves sessions between
// training and evaluation in runs that resume or compare): bucket = FNV-1a(id) mod 10,000; validation takes the first
// heldOutFraction of the buckets, test the next testFraction, train the rest. A date split goes by day.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../src/config/load.ts';
import { splitFilter, type Split } from '../../../src/data/passes/split.ts';

/** FNV-1a over UTF-16 code units, written out here so that the test does not lean on the code it checks. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const SPLITS: Split[] = ['train', 'val', 'test'];

test('session-hash: every session is in exactly one split, by the bucket of its id', () => {
  assert.is(fnv1a('a'), 0xe40c292c, 'the published FNV-1a value of "a"');
  const config = loadConfig('lstm-synth', { data: { split: 'session-hash', heldOutFraction: 0.1, testFraction: 0.05, trainDays: [], valDays: [], testDays: [] } });
  const filters = SPLITS.map((split) => splitFilter(config, split));
  const counts = { train: 0, val: 0, test: 0 };
  for (let i = 0; i < 20_000; i++) {
    const id = `${i % 7}_${(i * 2654435761) >>> 0}-session`;
    const bucket = fnv1a(id) % 10_000;
    const expected: Split = bucket < 1000 ? 'val' : bucket < 1500 ? 'test' : 'train';
    const inSplits = SPLITS.filter((_, k) => filters[k].accept(id, '2018-07-15'));
    assert.equal(inSplits, [expected], id);
    counts[expected]++;
  }
  // The shares follow the fractions (binomial spread over 20,000 ids is under 1%).
  assert.ok(Math.abs(counts.val / 20_000 - 0.1) < 0.01 && Math.abs(counts.test / 20_000 - 0.05) < 0.01, JSON.stringify(counts));
  assert.is(filters[0].days, undefined, 'every day holds training sessions');
});

test('session-hash with no test share, and with training days named', () => {
  const config = loadConfig('lstm-synth', { data: { split: 'session-hash', heldOutFraction: 0.2, testFraction: 0, trainDays: ['2018-07-15'], valDays: [], testDays: [] } });
  const [train, val, test] = SPLITS.map((split) => splitFilter(config, split));
  for (let i = 0; i < 2000; i++) {
    const id = `s${i}`;
    assert.is(test.accept(id, '2018-07-15'), false);
    assert.is(val.accept(id, '2018-07-15'), fnv1a(id) % 10_000 < 2000);
    assert.is(train.accept(id, '2018-07-15'), !val.accept(id, '2018-07-15'));
  }
  assert.equal([...(train.days ?? [])], ['2018-07-15']);
});

test('date split: validation and test days, the rest train', () => {
  const config = loadConfig('lstm-synth', { data: { split: 'date', trainDays: [], valDays: ['2018-07-16'], testDays: ['2018-07-17'] } });
  const [train, val, test] = SPLITS.map((split) => splitFilter(config, split));
  assert.equal([...val.days!], ['2018-07-16']);
  assert.equal([...test.days!], ['2018-07-17']);
  assert.equal(
    ['2018-07-15', '2018-07-16', '2018-07-17'].map((day) => train.accept('any', day)),
    [true, false, false],
  );
});

test.run();

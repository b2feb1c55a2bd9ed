// Successive halving's arithmetic: where the rungs end, and which trials go on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bestOf, promote, rungFractions } from '../../../../src/train/sweep/halving.ts';

test('rungs end at eta^-(rungs-1) … 1 of the budget', () => {
  assert.equal(rungFractions(1, 3), [1]);
  assert.equal(rungFractions(3, 3), [1 / 9, 1 / 3, 1]);
  assert.equal(rungFractions(2, 2), [0.5, 1]);
});

test('the best ⌈n/eta⌉ go on, in the metric\'s direction; ties keep trial order; no metric never goes on', () => {
  const results = [
    { id: 'a', metric: 0.5 },
    { id: 'b', metric: 0.7 },
    { id: 'c', metric: undefined },
    { id: 'd', metric: 0.7 },
    { id: 'e', metric: NaN },
    { id: 'f', metric: 0.2 },
    { id: 'g', metric: 0.6 },
  ];
  assert.equal(promote(results, 3, 'val/mean_average_accuracy'), ['b', 'd', 'g']);
  assert.equal(promote(results, 3, 'val/loss'), ['f', 'a', 'g']);
  assert.equal(promote(results.slice(0, 2), 3, 'val/accuracy'), ['b']);
  assert.equal(promote([{ id: 'x', metric: undefined }], 2, 'val/loss'), []);
});

test('the best of a series', () => {
  assert.is(bestOf([0.3, 0.5, 0.4], 'val/accuracy'), 0.5);
  assert.is(bestOf([0.3, 0.5, 0.4], 'val/loss'), 0.3);
  assert.is(bestOf([], 'val/loss'), undefined);
});

test.run();

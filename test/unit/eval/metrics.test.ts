import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { averageAccuracy, ChallengeScore, firstHiddenPosition } from '../../../src/data/format/challenge.ts';
import { auc, logLoss } from '../../../src/eval/metrics.ts';

test('average accuracy: the organisers\' worked example', () => {
  // truth 1,0,1,1 and prediction 1,1,1,0: L = 1,0,1,0, A(1) = 1, A(3) = 2/3 → (1 + 2/3) / 4
  assert.ok(Math.abs(averageAccuracy([1, 1, 1, 0], [1, 0, 1, 1]) - 0.4166667) < 1e-6);
});

test('average accuracy: all right is 1, all wrong is 0, odd lengths', () => {
  assert.is(averageAccuracy([1, 0, 1], [1, 0, 1]), 1);
  assert.is(averageAccuracy([0, 1, 0], [1, 0, 1]), 0);
  // only the last of 5 right: A(5) = 1/5, AA = (1/5)/5
  assert.ok(Math.abs(averageAccuracy([0, 0, 0, 0, 1], [1, 1, 1, 1, 1]) - 0.04) < 1e-12);
});

test('challenge score: MAA and FPA are means over sessions', () => {
  const s = new ChallengeScore();
  s.add([1, 1, 1, 0], [1, 0, 1, 1]);
  s.add([0, 0, 0], [1, 0, 0]);
  assert.is(s.sessions, 2);
  // second session: L = 0,1,1: A(2) = 1/2, A(3) = 2/3 → (1/2 + 2/3)/3
  assert.ok(Math.abs(s.maa - (0.4166667 + (0.5 + 2 / 3) / 3) / 2) < 1e-6);
  assert.is(s.fpa, 0.5);
});

test('hidden half: ⌊L/2⌋ known, the rest predicted', () => {
  assert.is(firstHiddenPosition(20), 11);
  assert.is(firstHiddenPosition(11), 6); // 11: positions 6..11 hidden (6*2 > 11)
  assert.is(firstHiddenPosition(10), 6);
});

test('auc and log loss on hand-computed cases', () => {
  assert.is(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.is(auc([0.5, 0.5], [0, 1]), 0.5);
  assert.ok(Math.abs(logLoss([0.5, 0.5], [0, 1]) - Math.log(2)) < 1e-12);
});

test.run();

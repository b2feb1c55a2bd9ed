import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastSkipBaseline, majorityBaseline, overallSkipRate, positionRateBaseline, randomBaseline } from '../../../src/eval/baselines.ts';
import { handBatch, handStats, scored } from '../../helpers/handBatches.ts';

const sessions = [
  { id: 'a', skips: [1, 0, 0, 1, 1] }, // L=5: 2 known, positions 3..5 hidden
  { id: 'b', skips: [0, 1, 1, 0] }, // L=4: 2 known, positions 3..4 hidden
];

const round = (xs: number[]) => xs.map((x) => Math.round(x * 1e6) / 1e6);

test('lastSkip, challenge view: every hidden position repeats the last known skip', () => {
  const batch = handBatch(sessions, 'challenge');
  const p = lastSkipBaseline(handStats([0.4, 0.6]))(batch);
  assert.equal(scored(batch, p, 0), [0, 0, 0]); // last known of a is position 2 = 0
  assert.equal(scored(batch, p, 1), [1, 1]); // last known of b is position 2 = 1
});

test('lastSkip, per-position view: the previous position, the overall rate at position 1', () => {
  const batch = handBatch(sessions, 'per-position');
  const p = lastSkipBaseline(handStats([0.4, 0.6]))(batch);
  assert.equal(round(scored(batch, p, 0)), [0.5, 1, 0, 0, 1]);
  assert.equal(round(scored(batch, p, 1)), [0.5, 0, 1, 1]);
});

test('lastSkip never reads hidden labels: changing them leaves its predictions alone', () => {
  const batch = handBatch(sessions, 'challenge');
  const before = lastSkipBaseline(handStats([0.4]))(batch);
  const flipped = handBatch([{ id: 'a', skips: [1, 0, 1, 0, 0] }, { id: 'b', skips: [0, 1, 0, 1] }], 'challenge');
  assert.equal(Array.from(lastSkipBaseline(handStats([0.4]))(flipped)), Array.from(before));
});

test('majority: the training skip rate everywhere, weighted by rows per position when known', () => {
  assert.ok(Math.abs(overallSkipRate(handStats([0.4, 0.6])) - 0.5) < 1e-12);
  assert.ok(Math.abs(overallSkipRate(handStats([0.4, 0.7], [3, 1])) - (0.4 * 3 + 0.7) / 4) < 1e-12);
  const batch = handBatch(sessions, 'per-position');
  const p = majorityBaseline(handStats([0.4, 0.7], [3, 1]))(batch);
  assert.equal(round(scored(batch, p, 1)), round([0.475, 0.475, 0.475, 0.475]));
});

test('positionRate: the rate of each session_position, the last rate beyond the table', () => {
  const batch = handBatch(sessions, 'per-position');
  const p = positionRateBaseline(handStats([0.25, 0.5, 0.75]))(batch);
  assert.equal(scored(batch, p, 0), [0.25, 0.5, 0.75, 0.75, 0.75]);
});

test('random: seeded, in [0,1), the same for a session in any batch and either view', () => {
  const both = handBatch(sessions, 'per-position');
  const alone = handBatch([sessions[1]], 'challenge');
  const a = randomBaseline(3)(both);
  const b = randomBaseline(3)(alone);
  const c = randomBaseline(4)(alone);
  const T = both.seqLen;
  assert.equal(Array.from(a.subarray(T, 2 * T)), Array.from(b));
  assert.not.equal(Array.from(b), Array.from(c));
  assert.ok(a.every((x) => x >= 0 && x < 1));
});

test.run();

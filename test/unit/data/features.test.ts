// No label leakage: the inputs at position t never depend on the outcomes of t or on anything after t.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sessionsToBatch } from '../../../src/data/batch/batches.ts';
import { INPUT_FEATURES, inputFeatureNames } from '../../../src/data/batch/features.ts';
import { MAX_SESSION_LENGTH } from '../../../src/data/format/columns.ts';
import type { Batch, LogRow, Session } from '../../../src/data/format/types.ts';
import { Rng } from '../../../src/util/rng.ts';
import { memoryContext, randomRow, randomSessions, randomTracks } from '../../helpers/sessions.ts';

const T = MAX_SESSION_LENGTH;
const F = INPUT_FEATURES;
const rng = new Rng(42);
const tracks = randomTracks(50, rng);
const ctx = memoryContext(tracks);
const sessions = randomSessions(40, tracks, rng);

/** The outcome columns of a row: what happens while and after the track plays. */
const OUTCOMES = ['skip1', 'skip2', 'skip3', 'notSkipped', 'reasonEnd', 'seekFwd', 'seekBack'] as const;

function withOutcomesOf(row: LogRow, donor: LogRow, columns: readonly (typeof OUTCOMES)[number][] = OUTCOMES): LogRow {
  const copy: Record<string, unknown> = { ...row };
  for (const k of columns) copy[k] = donor[k];
  return copy as unknown as LogRow;
}

function inputsAt(batch: Batch, b: number, t: number): Float32Array {
  const o = (b * T + t) * F;
  return batch.inputs.slice(o, o + F);
}

/** Everything of position t the model reads (models/model.ts, batchToTensors): its inputs, track key, presence and whether it is known. */
function modelInputsAt(batch: Batch, b: number, t: number): number[] {
  const i = b * T + t;
  return [...inputsAt(batch, b, t), batch.trackIndex[i], batch.present[i], batch.known[i]];
}

/** What position t trains on: the label, the four binary auxiliary labels, the reason-end class. */
function labelsAt(batch: Batch, b: number, t: number): number[] {
  const i = b * T + t;
  return [batch.labels[i], ...batch.auxLabels.slice(i * 4, i * 4 + 4), batch.reasonEnd[i]];
}

/** The labels the encoder should write for a row (data.label skip_2 by default). */
function labelsOf(row: LogRow): number[] {
  return [row.skip2, row.skip1, row.skip2, row.skip3, row.notSkipped].map(Number).concat(row.reasonEnd);
}

test('feature names match the input width', () => {
  assert.is(inputFeatureNames().length, F);
});

// Each outcome column alone, then all at once: what a label field is made of is never a model input at its own
// position, and it does reach the next position (as history), so the test could fail.
for (const columns of [...OUTCOMES.map((c) => [c]), OUTCOMES]) {
  test(`per-position view: permuting ${columns.join(', ')} of t across sessions leaves every model input at ≤ t bitwise unchanged`, () => {
    const base = sessionsToBatch(ctx, sessions, 'per-position');
    let differsLater = false;
    for (let t = 0; t < 10; t++) {
      // session s takes the outcomes of session s+1 at position t (a permutation across sessions)
      const permuted: Session[] = sessions.map((s, i) => {
        const donor = sessions[(i + 1) % sessions.length];
        return { ...s, rows: s.rows.map((r, k) => (k === t ? withOutcomesOf(r, donor.rows[t], columns) : r)) };
      });
      const changed = sessionsToBatch(ctx, permuted, 'per-position');
      for (let b = 0; b < sessions.length; b++) {
        for (let k = 0; k <= t; k++) assert.equal(modelInputsAt(changed, b, k), modelInputsAt(base, b, k), `session ${b} position ${k + 1}`);
        if (t + 1 < sessions[b].length && inputsAt(changed, b, t + 1).some((v, f) => v !== inputsAt(base, b, t + 1)[f])) differsLater = true;
        // The label fields do follow the permutation: they are what the outcomes of t are for.
        assert.equal(labelsAt(changed, b, t), labelsOf(permuted[b].rows[t]), `labels of session ${b} position ${t + 1}`);
      }
    }
    assert.ok(differsLater, `${columns.join(', ')} of a position should be visible at the next`);
  });
}

test('per-position view: nothing after t reaches the inputs at t', () => {
  const base = sessionsToBatch(ctx, sessions, 'per-position');
  const t = 4;
  const r = new Rng(7);
  const altered = sessions.map((s) => ({
    ...s,
    rows: s.rows.map((row, k) => (k > t ? randomRow(r, k + 1, tracks.ids[r.int(tracks.ids.length)], '2018-08-01') : row)),
  }));
  const changed = sessionsToBatch(ctx, altered, 'per-position');
  for (let b = 0; b < sessions.length; b++) for (let k = 0; k <= t; k++) assert.equal(inputsAt(changed, b, k), inputsAt(base, b, k));
});

test('challenge view: the hidden half contributes its tracks only', () => {
  const base = sessionsToBatch(ctx, sessions, 'challenge');
  const r = new Rng(9);
  const altered = sessions.map((s) => {
    const known = Math.floor(s.length / 2);
    return { ...s, rows: s.rows.map((row, k) => (k >= known ? randomRow(r, k + 1, row.trackId, '2018-09-01') : row)) };
  });
  const changed = sessionsToBatch(ctx, altered, 'challenge');
  assert.equal(changed.inputs, base.inputs);
  for (let b = 0; b < sessions.length; b++) {
    const L = sessions[b].length;
    for (let k = 0; k < T; k++) {
      const hidden = k < L && k + 1 > Math.floor(L / 2);
      assert.is(base.mask[b * T + k], hidden ? 1 : 0, `mask at session ${b} position ${k + 1}`);
      assert.is(base.known[b * T + k], k < Math.floor(L / 2) ? 1 : 0);
    }
  }
});

test('isLast marks the last track of a session shorter than 20 only: a session of 20 may have been cut there', () => {
  const at = inputFeatureNames().indexOf('isLast');
  const r = new Rng(5);
  const ofLength = (L: number): Session => {
    const id = `len-${L}`;
    return { id, day: '2018-07-15', length: L, source: 'memory', rows: Array.from({ length: L }, (_, k) => randomRow(r, k + 1, tracks.ids[k % tracks.ids.length])) };
  };
  for (const view of ['per-position', 'challenge'] as const) {
    const batch = sessionsToBatch(ctx, [ofLength(12), ofLength(20)], view);
    const isLast = (b: number) => Array.from({ length: T }, (_, t) => inputsAt(batch, b, t)[at]);
    assert.equal(isLast(0), Array.from({ length: T }, (_, t) => (t === 11 ? 1 : 0)), `${view}: length 12`);
    assert.ok(isLast(1).every((v) => v === 0), `${view}: length 20`);
  }
});

test('padding stays zero and no value is NaN, even with unknown tracks and constant features', () => {
  const rng2 = new Rng(3);
  const t2 = randomTracks(5, rng2);
  for (let i = 0; i < t2.ids.length; i++) t2.features[i * t2.width] = 7; // a constant column: std 0
  const c2 = memoryContext(t2, (c) => (c.data.unknownTracks = 'zeros'));
  const ss = randomSessions(6, t2, rng2);
  ss[0].rows[2] = { ...ss[0].rows[2], trackId: 't_not_in_table' };
  const batch = sessionsToBatch(c2, ss, 'per-position');
  assert.ok(batch.inputs.every(Number.isFinite));
  assert.is(batch.trackIndex[2], -1);
  for (let b = 0; b < ss.length; b++)
    for (let k = ss[b].length; k < T; k++) assert.ok(inputsAt(batch, b, k).every((v) => v === 0) && batch.present[b * T + k] === 0);
});

test('unknown track with policy error names the session source, the position and the session', () => {
  const ss = randomSessions(1, tracks, new Rng(5));
  ss[0].rows[0] = { ...ss[0].rows[0], trackId: 't_missing' };
  ss[0].source = 'logs.csv:2';
  const expected = new RegExp(`logs\\.csv:2: unknown track id 't_missing' at session_position 1 of session ${ss[0].id} `);
  assert.throws(() => sessionsToBatch(ctx, ss, 'per-position'), expected);
});

test('a dropped row (badDates: skip-row) leaves its slot empty: later rows, the known half and the scored rows stay at their session_position', () => {
  const [full] = randomSessions(1, tracks, new Rng(8)).map((s) => ({ ...s, length: 10, rows: s.rows.slice(0, 10) }));
  const gap: Session = { ...full, rows: full.rows.filter((r) => r.position !== 3) };
  for (const view of ['per-position', 'challenge'] as const) {
    const a = sessionsToBatch(ctx, [full], view);
    const b = sessionsToBatch(ctx, [gap], view);
    assert.is(b.mask[2], 0, `${view}: the dropped position is not scored`);
    assert.is(b.present[2], 0);
    for (let t = 0; t < 10; t++) {
      if (t === 2) continue;
      assert.is(b.labels[t], a.labels[t], `${view}: label at position ${t + 1}`);
      assert.is(b.mask[t], a.mask[t], `${view}: mask at position ${t + 1}`);
      assert.is(b.trackIndex[t], a.trackIndex[t], `${view}: track at position ${t + 1}`);
      // The position and the track of every other row are where they were.
      const [x, y] = [inputsAt(a, 0, t), inputsAt(b, 0, t)];
      const position = inputFeatureNames().indexOf('position');
      assert.is(y[position], x[position]);
    }
    // Challenge: positions 1..5 known, 6..10 scored, with or without the gap.
    if (view === 'challenge') assert.equal(Array.from(b.mask.slice(0, 10)), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.equal(Array.from(b.known.slice(0, 5)), [1, 1, 0, 1, 1], `${view}: the dropped row is not known history`);
  }
});

test.run();

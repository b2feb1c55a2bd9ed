import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDays, formatDays, isCalendarDay, addDays } from '../../../src/config/days.ts';
import { ConfigError } from '../../../src/errors.ts';
import { Rng } from '../../../src/util/rng.ts';

function throwsConfigError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ConfigError matching ${pattern}`);
}

test('ranges expand inclusively; lists sort and de-duplicate', () => {
  assert.equal(parseDays('2018-07-17, 2018-07-15..2018-07-16,2018-07-15'), ['2018-07-15', '2018-07-16', '2018-07-17']);
  assert.equal(parseDays(['2018-09-18', '2018-09-17']), ['2018-09-17', '2018-09-18']);
  assert.equal(parseDays(''), []);
  assert.equal(parseDays([]), []);
});

test('the MSSD training range has 64 days and crosses month ends', () => {
  const days = parseDays('2018-07-15..2018-09-16');
  assert.is(days.length, 64);
  assert.is(days[0], '2018-07-15');
  assert.is(days[16], '2018-07-31');
  assert.is(days[17], '2018-08-01');
  assert.is(days[63], '2018-09-16');
});

test('leap years are real calendar days', () => {
  assert.equal(parseDays('2020-02-28..2020-03-01'), ['2020-02-28', '2020-02-29', '2020-03-01']);
  assert.equal(parseDays('2019-02-28..2019-03-01'), ['2019-02-28', '2019-03-01']);
  assert.ok(isCalendarDay('2000-02-29'));
  assert.not.ok(isCalendarDay('1900-02-29'));
  assert.is(addDays('2018-12-31', 1), '2019-01-01');
  assert.is(addDays('2018-03-01', -1), '2018-02-28');
});

test('invalid days and ranges name the key path', () => {
  throwsConfigError(() => parseDays('2018-02-30', 'data.trainDays'), /data\.trainDays.*2018-02-30.*no such calendar day/);
  throwsConfigError(() => parseDays('2018-7-15', 'data.trainDays'), /YYYY-MM-DD/);
  throwsConfigError(() => parseDays('15-07-18'), /not a valid day/);
  throwsConfigError(() => parseDays('2018-07-20..2018-07-15', 'data.heldOutDays'), /data\.heldOutDays.*ends before it starts/);
  throwsConfigError(() => parseDays('2018-07-15..2018-07-16..2018-07-17'), /not a day or a range/);
  throwsConfigError(() => parseDays('2018-07-15..2038-07-15'), /typo/);
});

test('formatDays compresses runs of three or more and parseDays restores the list', () => {
  assert.equal(formatDays(['2018-07-15', '2018-07-16']), ['2018-07-15', '2018-07-16']);
  assert.equal(formatDays(parseDays('2018-07-15..2018-09-16,2018-09-18')), ['2018-07-15..2018-09-16', '2018-09-18']);
  const all = parseDays('2018-07-01..2018-09-30');
  const rng = new Rng(42);
  for (let trial = 0; trial < 50; trial++) {
    const subset = all.filter(() => rng.next() < 0.6);
    assert.equal(parseDays(formatDays(subset)), subset);
  }
});

test.run();

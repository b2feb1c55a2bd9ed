import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dayFromFileName, parseDate, inDateRange, DEFAULT_DATE_RANGE, readAuto } from '../../../src/data/format/dates.ts';

test('auto recognises the dataset format and common re-saves', () => {
  assert.is(parseDate('2018-07-15', 'auto'), '2018-07-15');
  assert.is(parseDate('15-07-18', 'auto'), '2018-07-15'); // pandas, day first, two-digit year
  assert.is(parseDate('15-07-2018', 'auto'), '2018-07-15');
  assert.is(parseDate('07/15/2018', 'auto'), '2018-07-15');
  assert.is(parseDate('15/07/2018', 'auto'), '2018-07-15'); // 15 cannot be a month
  assert.is(parseDate('20180715', 'auto'), '2018-07-15');
  assert.is(parseDate('2018-07-15 00:00:00', 'auto'), '2018-07-15');
  assert.is(parseDate('2018-02-30', 'auto'), null);
  assert.is(parseDate('soon', 'auto'), null);
});

test('auto: what a slash date says about the order of its file; alone it reads month first', () => {
  assert.equal(readAuto('25/07/2018'), { date: '2018-07-25', proves: 'DD/MM/YYYY' });
  assert.equal(readAuto('07/25/18'), { date: '2018-07-25', proves: 'MM/DD/YYYY' });
  assert.is(readAuto('05/07/2018'), 'either');
  assert.equal(readAuto('07/07/2018'), { date: '2018-07-07', proves: null }); // both orders read the same day
  assert.equal(readAuto('2018-07-05'), { date: '2018-07-05', proves: null });
  assert.is(readAuto('31/02/2018'), null);
  assert.is(readAuto('13/13/2018'), null);
  assert.is(readAuto('00/07/2018'), null);
  assert.is(parseDate('05/07/2018', 'auto'), '2018-05-07');
  assert.is(parseDate('05/07/2018', 'auto', 'DD/MM/YYYY'), '2018-07-05');
  assert.is(parseDate('25/07/2018', 'auto', 'MM/DD/YYYY'), '2018-07-25'); // a proof reads in its own order
});

test('an explicit format is applied strictly', () => {
  assert.is(parseDate('05/07/2018', 'DD/MM/YYYY'), '2018-07-05');
  assert.is(parseDate('05/07/2018', 'MM/DD/YYYY'), '2018-05-07');
  assert.is(parseDate('15-07-18', 'YYYY-MM-DD'), null);
  assert.is(parseDate('2018-07-15', 'DD-MM-YY'), null);
});

test('day from a file name, and the default range', () => {
  assert.is(dayFromFileName('training_set/log_3_20180918_000000000000.csv'), '2018-09-18');
  assert.is(dayFromFileName('log_prehistory_20180715_000000000000.csv.gz'), '2018-07-15');
  assert.is(dayFromFileName('log_mini.csv'), null);
  assert.ok(inDateRange('2018-07-15', DEFAULT_DATE_RANGE));
  assert.not.ok(inDateRange('2032-05-25', DEFAULT_DATE_RANGE));
});

test.run();

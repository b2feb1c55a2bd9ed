// Fuzzed dates (src/data/format/dates.ts), the one field every reader normalises: any string, in any dateFormat, is a real
// calendar day written YYYY-MM-DD or null — never an exception, never 2018-02-30; every day of 2000–2099 written in
// each format reads back as itself; under auto a value reads as readAuto says; file names give a real day or null.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DATE_FORMATS, dayFromFileName, parseDate, readAuto, type DateFormat } from '../../../../src/data/format/dates.ts';
import { FUZZ } from '../../../helpers/fuzz.ts';

/** A real day written YYYY-MM-DD (checked through Date, independently of dates.ts). */
function isRealDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(0);
  d.setUTCFullYear(+m[1], +m[2] - 1, +m[3]);
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** Strings near dates: digits and separators, the shapes each format reads, and anything else. */
const dateish = fc.oneof(
  fc.stringMatching(/^[0-9]{1,5}[-/.][0-9]{1,3}[-/.][0-9]{1,5}([ T][0-9:]{0,8})?$/),
  fc.stringMatching(/^\s?[0-9]{8}\s?$/),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: fc.constantFrom(...'0123456789-/ T'), maxLength: 16 }),
);

const formats = fc.constantFrom<DateFormat>(...DATE_FORMATS);

test('any string, any format: a real YYYY-MM-DD day or null, never an exception', () => {
  fc.assert(
    fc.property(dateish, formats, (v, format) => {
      const d = parseDate(v, format);
      assert.ok(d === null || isRealDay(d), `${JSON.stringify(v)} in ${format}: ${d}`);
    }),
    { numRuns: 10 * FUZZ.numRuns },
  );
});

test('under auto a value reads as readAuto says (a slash date both orders read: month first, alone)', () => {
  fc.assert(
    fc.property(dateish, (v) => {
      const r = readAuto(v);
      const expected = r === null ? null : r === 'either' ? parseDate(v, 'MM/DD/YYYY') : r.date;
      assert.is(parseDate(v, 'auto'), expected, JSON.stringify(v));
    }),
    { numRuns: 10 * FUZZ.numRuns },
  );
});

test('every day of 2000–2099, written in each format, reads back as itself', () => {
  const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
  fc.assert(
    fc.property(day, (date) => {
      const iso = date.toISOString().slice(0, 10);
      const [y, m, d] = iso.split('-');
      const written: Record<Exclude<DateFormat, 'auto'>, string> = {
        'YYYY-MM-DD': iso,
        'DD-MM-YY': `${d}-${m}-${y.slice(2)}`,
        'MM/DD/YYYY': `${m}/${d}/${y}`,
        'DD/MM/YYYY': `${d}/${m}/${y}`,
      };
      for (const [format, text] of Object.entries(written)) assert.is(parseDate(text, format as DateFormat), iso, `${text} in ${format}`);
      assert.is(parseDate(iso, 'auto'), iso);
    }),
    { numRuns: FUZZ.numRuns },
  );
});

test('file names: a real day or null', () => {
  fc.assert(
    fc.property(fc.oneof(fc.stringMatching(/^([a-z_]{0,8}\/)?(log|tf)_[0-9]_[0-9]{8}_[0-9]{0,12}\.csv$/), fc.stringMatching(/^day=[0-9]{4}-[0-9]{2}-[0-9]{2}\/part\.parquet$/), fc.string()), (name) => {
      const d = dayFromFileName(name);
      assert.ok(d === null || isRealDay(d), `${name}: ${d}`);
    }),
    { numRuns: 10 * FUZZ.numRuns },
  );
});

test.run();

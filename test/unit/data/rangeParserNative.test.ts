// The range parser's C scanner (nativeRangeScanner.ts, native/rangeScanner.c) against the parser without it (its
// JavaScript byte path and the reference, rangeParser.ts): every RangeRows field equal — each column over its rows,
// ids, dates, tracks, unknown examples, slash evidence, error, lines — on the reader tests' inputs, the real excerpt,
// and a fuzz of odd ranges (quotes, CRLF, blank lines, unknown tracks and categories, new and slash dates, no last
// '\n', columns that must grow), with and without a track table; and the scanner's checks of its arguments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { LOG_COLUMNS, CONTEXT_TYPES, REASONS_END, REASONS_START } from '../../../src/data/format/columns.ts';
import type { DateFormat } from '../../../src/data/format/dates.ts';
import type { TrackTable } from '../../../src/data/format/types.ts';
import { headerPositions, isExactHeader, splitFields } from '../../../src/data/source/csv.ts';
import type { HeaderLayout } from '../../../src/data/read/logrow.ts';
import { RangeParser } from '../../../src/data/read/rangeParser.ts';
import type { RangeRows } from '../../../src/data/read/rangeRows.ts';
import { sharedTrackIndex, TrackLookup } from '../../../src/data/read/trackIndex.ts';
import { defaultRangeScanner, NativeRangeScanner, SCAN } from '../../../src/data/read/nativeRangeScanner.ts';
import { loadAddon } from '../../../src/util/nativeAddon.ts';
import { Rng } from '../../../src/util/rng.ts';
import { EXCERPT, EXCERPT_PANDAS, excerptTest, logFile, madeUpCategories } from '../../helpers/dataFixtures.ts';
import { FUZZ } from '../../helpers/fuzz.ts';
import { logCsv } from '../../helpers/logFiles.ts';
import { mutateAll, mutationsArb } from '../../helpers/mutators.ts';
import { randomSessions, randomTracks } from '../../helpers/sessions.ts';

const NATIVE = defaultRangeScanner() === 'native';
if (!NATIVE) {
  if (process.env.SKIPTRAIN_REQUIRE_NATIVE === '1') throw new Error('SKIPTRAIN_REQUIRE_NATIVE=1, but the native range scanner is not built');
  console.log('notice: the native range scanner is not built: its tests are skipped');
}
const nativeTest = NATIVE ? test : (name: string) => test.skip(name);
const excerpt = NATIVE ? excerptTest(test, 'rangeParserNative.test.ts') : nativeTest;

const COLUMNS = ['line', 'run', 'length', 'position', 'flags', 'categories', 'date', 'seekFwd', 'seekBack', 'hour', 'track'] as const;

/** Every field of two ranges' rows equal, naming the first column and row that differ. */
function assertSameRows(got: RangeRows, want: RangeRows, what: string): void {
  assert.is(got.rows, want.rows, `${what}: rows`);
  assert.is(got.lines, want.lines, `${what}: lines`);
  for (const name of COLUMNS) {
    const [g, w] = [got[name], want[name]];
    let at = -1;
    for (let r = 0; r < want.rows && at < 0; r++) if (!Object.is(g[r], w[r])) at = r;
    assert.is(at, -1, `${what}: ${name}[${at}] is ${g[at]}, want ${w[at]}`);
  }
  assert.equal(got.ids, want.ids, `${what}: ids`);
  assert.equal(got.dates, want.dates, `${what}: dates`);
  assert.equal(got.tracks, want.tracks, `${what}: tracks`);
  assert.equal(got.unknownExamples, want.unknownExamples, `${what}: unknownExamples`);
  assert.equal(got.slash, want.slash, `${what}: slash`);
  assert.equal(got.error, want.error, `${what}: error`);
}

interface Setup {
  dateFormat: DateFormat;
  unknownCategories: 'other' | 'error';
  /** Track ids of a table (null: none). */
  table: string[] | null;
  /** The columns' first capacity (small: they grow while the scanner runs). */
  capacity?: number;
  fileDay?: string | null;
}

function lookup(ids: string[] | null): TrackLookup | null {
  return ids === null ? null : new TrackLookup(sharedTrackIndex({ ids, index: new Map(), features: new Float32Array(0), width: 0 } as TrackTable));
}

/** A file's header layout, or null where its header does not name the log columns (the reader refuses it first). */
function layoutOf(text: Buffer): { layout: HeaderLayout; body: number } | null {
  const nl = text.indexOf(0x0a);
  const header = splitFields(text.toString('utf8', 0, nl < 0 ? text.length : nl).replace(/\r$/, ''));
  try {
    const positions = headerPositions(header, LOG_COLUMNS, 'header');
    return { layout: { positions, width: header.length, exact: isExactHeader(positions, header.length) }, body: nl < 0 ? text.length : nl + 1 };
  } catch {
    return null;
  }
}

/**
 * The body of `text` (a log file) cut into ranges of whole lines ending after the given offsets, each parsed by one
 * parser with the scanner and one without (kept from range to range, as a worker keeps them): the same rows.
 * Returns how many rows the scanner's parser gave (0 when the header is refused).
 */
function parseBoth(text: Buffer, setup: Setup, cuts: number[] = [], what = ''): number {
  const found = layoutOf(text);
  if (found === null) return 0;
  const { layout, body } = found;
  const table = lookup(setup.table);
  const native = new RangeParser(layout, setup.dateFormat, table, setup.unknownCategories, 'native', setup.capacity);
  const javascript = new RangeParser(layout, setup.dateFormat, table, setup.unknownCategories, 'javascript', setup.capacity);
  const ends = [...new Set(cuts.map((c) => text.indexOf(0x0a, body + (c % Math.max(1, text.length - body)))).filter((e) => e >= 0).map((e) => e + 1))].sort((a, b) => a - b);
  ends.push(text.length);
  let start = body;
  let rows = 0;
  for (const end of ends) {
    if (end <= start) continue;
    const [got, want] = [native.parse(text, start, end, setup.fileDay ?? null), javascript.parse(text, start, end, setup.fileDay ?? null)];
    assertSameRows(got, want, `${what} ${JSON.stringify(setup)} range [${start}, ${end})`);
    rows += got.rows;
    start = end;
  }
  return rows;
}

const SETUPS: Setup[] = [
  { dateFormat: 'auto', unknownCategories: 'other', table: null },
  { dateFormat: 'YYYY-MM-DD', unknownCategories: 'error', table: null, capacity: 3 },
];

nativeTest('the reader tests’ logs: sessions in runs, made-up categories under other and error, a track table', () => {
  const rng = new Rng(9);
  const tracks = randomTracks(30, rng);
  const files = {
    plain: logFile([['0_a', 12], ['0_b', 3], ['0_c', 20]]),
    random: logCsv(randomSessions(40, tracks, rng)),
    madeUp: madeUpCategories(logFile([['0_a', 12], ['0_b', 20], ['0_c', 9]])).text,
    // More runs than one scanner call records.
    short: logFile(Array.from({ length: 2500 }, (_, i): [string, number] => [`0_${i}`, 1 + (i % 2)])),
  };
  for (const [name, text] of Object.entries(files)) {
    for (const setup of [...SETUPS, { dateFormat: 'auto', unknownCategories: 'error', table: tracks.ids.slice(0, 20) } as Setup]) {
      assert.ok(parseBoth(Buffer.from(text), setup, [], name) > 0 || setup.unknownCategories === 'error', name);
      parseBoth(Buffer.from(text), setup, [100, 2000, 2001, 5000], name);
    }
  }
});

excerpt('the real excerpt, in both spellings: whole and cut in ranges, with half its tracks in a table', () => {
  for (const path of [EXCERPT, EXCERPT_PANDAS]) {
    const text = readFileSync(path);
    const ids = [...new Set(text.toString().split('\n').slice(1).map((l) => l.split(',')[3]))].filter((_, i) => i % 2 === 0);
    for (const setup of [...SETUPS, { dateFormat: 'auto', unknownCategories: 'other', table: ids, fileDay: '2018-07-15' } as Setup]) {
      const rows = parseBoth(text, setup, [], path);
      if (setup.dateFormat === 'auto') assert.is(rows, 201, path); // pandas writes 15-07-18, which only auto reads
      parseBoth(text, setup, [0, 3000, 9000, 9001, 20000], path);
    }
  }
});

/** Field spellings the byte path reads, and ones only the reference reads or refuses. */
const IDS = ['0_a', '0_b', '0_b', '1_ccccccccccccccccccccccccccccccccccc', '', '0_é'];
const TRACKS = ['t_0', 't_1', 't_2', 't_3', 't_00000000-1111-2222-3333-444444444444', 'u_1', 'u_22', 'u_ü', 't', ''];
const BOOLS = ['true', 'false', 'True', 'FALSE', '1', '0', 'tru', 'yes', '', '2', 'falsey'];
const NUMBERS = ['0', '1', '7', '20', '21', '65535', '65536', '-1', '1.5', '0123456789', '999999999', ' 1', ''];
const HOURS = ['0', '16', '23', '24', 'x'];
const DATES = ['2018-07-15', '2018-07-14', '2018-07-16', '07/15/2018', '15/07/2018', '05/07/2018', '07/05/2018', '2018-02-30', '2032-05-25', 'bad', '', ' 2018-07-15'];
/** The dates of a range in each format: a few, changing at some lines (the slash ones prove an order, or fit both). */
const USUAL_DATES: Partial<Record<DateFormat, string[]>> = {
  auto: ['2018-07-15', '2018-07-14', '07/15/2018', '05/07/2018', '15/07/2018', '2018-07-16', '07/05/2018'],
  'YYYY-MM-DD': ['2018-07-15', '2018-07-14', '2018-07-16'],
  'DD/MM/YYYY': ['15/07/2018', '14/07/2018', '05/07/2018'],
};
const CONTEXTS = [...CONTEXT_TYPES, 'made_up', 'zz', ''];
const STARTS = [...REASONS_START, 'made_up_start'];
const ENDS = [...REASONS_END, 'zz_end', 'trackdone,extra'];

/** A line: a number per field (which value it takes), its end, and whether a blank line comes first. */
const lineArb = fc.record({
  picks: fc.array(fc.noBias(fc.nat({ max: 1_000_000 })), { minLength: 21, maxLength: 21 }),
  end: fc.constantFrom('\n', '\n', '\n', '\r\n'),
  blank: fc.noBias(fc.nat({ max: 30 })),
});
type LineSpec = typeof lineArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Line k of a range, in session `sessionAt`: each field in a common spelling, but one time in `odd` any of its
 * values (a refused one ends the range: ranges odd everywhere are short, so `odd` varies from range to range).
 */
function lineOf(spec: LineSpec, k: number, sessionAt: number, odd: number, dates: string[]): string {
  const p = spec.picks;
  const pick = (values: readonly string[], i: number, usual: number) => (p[i] % odd !== 0 ? values[usual % values.length] : values[(p[i] >> 5) % values.length]);
  const fields = [
    pick(IDS, 0, sessionAt % 4),
    pick(NUMBERS, 1, 2 + (p[1] % 2)),
    pick(NUMBERS, 2, 2 + (p[2] % 2)),
    pick(TRACKS, 3, p[3] % 6),
    ...Array.from({ length: 8 }, (_, q) => pick(BOOLS, 4 + q, p[4 + q] % 2)),
    pick(NUMBERS, 12, p[12] % 3),
    pick(NUMBERS, 13, p[13] % 3),
    pick(BOOLS, 14, p[14] % 4),
    pick(HOURS, 15, p[15] % 3),
    p[16] % odd === 0 ? DATES[(p[16] >> 5) % DATES.length] : dates[k % 4 === 0 ? p[16] % dates.length : 0],
    pick(BOOLS, 17, p[17] % 2),
    pick(CONTEXTS, 18, p[18] % CONTEXT_TYPES.length),
    pick(STARTS, 19, p[19] % REASONS_START.length),
    pick(ENDS, 20, p[20] % REASONS_END.length),
  ];
  return (spec.blank === 0 ? spec.end : '') + fields.join(',') + spec.end;
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  dateFormat: fc.constantFrom<DateFormat>('auto', 'auto', 'YYYY-MM-DD', 'DD/MM/YYYY'),
  unknownCategories: fc.constantFrom<'other' | 'error'>('other', 'error'),
  table: fc.constantFrom(null, ['t_0', 't_2', 't_00000000-1111-2222-3333-444444444444']),
  capacity: fc.constantFrom(undefined, 1, 2, 5),
  fileDay: fc.constantFrom(null, '2018-07-05'),
});

nativeTest('fuzz: odd ranges read the same with and without the scanner', () => {
  fc.assert(
    fc.property(
      fc.array(lineArb, { minLength: 1, maxLength: 300, size: 'max' }),
      fc.constantFrom(15, 60, 300, 1_000_001),
      setupArb,
      fc.array(fc.nat({ max: 5000 }), { maxLength: 3 }),
      fc.boolean(),
      fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: mutationsArb }),
      fc.nat({ max: 19 }).map((n) => n === 0),
      (lines, odd, setup, cuts, lastNewline, mutations, quote) => {
        let session = 0;
        const dates = USUAL_DATES[setup.dateFormat]!;
        let body = lines.map((l, k) => lineOf(l, k, l.picks[0] % 5 === 0 ? ++session : session, odd, dates)).join('');
        if (quote) body = body.replace(/^([^,\n]*),/, '"$1",'); // a quoted session id: its range all by reference
        let text: Buffer = Buffer.from(LOG_COLUMNS.join(',') + '\n' + (lastNewline ? body : body.replace(/\r?\n$/, '')));
        if (mutations) text = mutateAll(text, mutations);
        parseBoth(text, setup, cuts, 'fuzz');
      },
    ),
    FUZZ,
  );
});

nativeTest('a wrong argument is a TypeError naming it, never a crash', () => {
  const addon = loadAddon() as { addon: { scanRange: (...a: unknown[]) => void } };
  const scanner = new NativeRangeScanner(null, { maxLength: 20, seekMax: 0xffff });
  const buf = Buffer.from(logFile([['0_a', 3]]));
  const columns = { line: new Uint32Array(8), run: new Uint32Array(8), length: new Uint8Array(8), position: new Float64Array(8), flags: new Uint16Array(8), categories: new Uint16Array(8), date: new Uint16Array(8), seekFwd: new Uint16Array(8), seekBack: new Uint16Array(8), hour: new Uint8Array(8), track: new Int32Array(8) };
  const tracks = { slots: new Int32Array(16), starts: new Int32Array(8), ends: new Int32Array(8) };
  // From the first data line to the end, its date read before (so the scanner goes on to the track's lookups).
  const date = buf.indexOf('2018-07-15');
  const state = Float64Array.from(scanner.state);
  Object.assign(state, { [SCAN.at]: buf.indexOf('\n') + 1, [SCAN.end]: buf.length, [SCAN.idA]: -1, [SCAN.idB]: -1, [SCAN.dateA]: -1, [SCAN.dateB]: -1 });
  Object.assign(state, { [SCAN.dates]: 1, [SCAN.dateSeen]: date, [SCAN.dateSeen + 1]: date + 10, [SCAN.dateSeen + 2]: 0 });
  const vocab = (scanner as unknown as { vocab: unknown }).vocab;
  const call = (patch: Record<number, unknown>) => {
    const args: unknown[] = [buf, state.slice(), columns, scanner.runs, { ...tracks, slots: tracks.slots.slice() }, null, vocab];
    for (const [i, v] of Object.entries(patch)) args[+i] = v;
    return () => addon.addon.scanRange(...args);
  };
  const accepted = [buf, state.slice(), columns, scanner.runs, tracks, null, vocab];
  addon.addon.scanRange(...accepted);
  assert.is((accepted[1] as Float64Array)[SCAN.rows], 3, 'the arguments as made: three rows read');
  const refused: [Record<number, unknown>, RegExp][] = [
    [{ 0: 'text' }, /^buf/],
    [{ 1: new Float64Array(3) }, /^state/],
    [{ 1: Object.assign(state.slice(), { [SCAN.end]: buf.length + 1 }) }, /^state/],
    [{ 1: Object.assign(state.slice(), { [SCAN.idA]: 4, [SCAN.idB]: 2 }) }, /^state/],
    [{ 1: Object.assign(state.slice(), { [SCAN.dateSeen + 1]: buf.length + 1 }) }, /^state/],
    [{ 2: { ...columns, run: new Int32Array(8) } }, /^columns\.run/],
    [{ 2: { ...columns, track: new Int32Array(7) } }, /^columns\.track/],
    [{ 3: new Int32Array(8) }, /^runs/],
    [{ 4: { ...tracks, slots: new Int32Array(12) } }, /^tracks\.slots/],
    [{ 4: { ...tracks, slots: new Int32Array(16).fill(5) } }, /^tracks/],
    [{ 5: { bytes: new Uint8Array(2), offsets: new Uint32Array([0, 100]), slots: new Int32Array(4).fill(1) } }, /^table/],
    [{ 5: { bytes: new Uint8Array(2), offsets: new Uint32Array([0, 1]), slots: new Int32Array(4).fill(2) } }, /^table/],
    [{ 6: { bytes: new Uint8Array(1), ends: new Uint32Array([5]), first: new Uint32Array([0, 1, 1, 1]) } }, /^vocab/],
  ];
  for (const [patch, message] of refused) assert.throws(call(patch), (e: Error) => e instanceof TypeError && message.test(e.message), JSON.stringify(Object.keys(patch)));
});

test.run();

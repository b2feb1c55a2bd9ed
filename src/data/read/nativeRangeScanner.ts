// The range parser's common case in C (native/rangeScanner.c), used when the addon is built: lines read into a
// range's columns exactly as rangeParser.ts byteRow reads them, several times faster. The scanner stops at the first
// line it cannot finish alone and the parser does that line in JavaScript, which stays the fallback for every other
// rule and the reference in the tests (test/unit/data/rangeParserNative.test.ts).
import { CATEGORICAL_COLUMNS } from '../format/columns.ts';
import { loadAddon } from '../../util/nativeAddon.ts';
import type { RowColumns } from './rangeRows.ts';
import type { TrackLookup } from './trackIndex.ts';

/** The scanner's state, a Float64Array in this order (rangeScanner.c's enum, the same names): read and written by C. */
export const SCAN = {
  at: 0, // in: where the lines start; out: where the line left to JavaScript starts (≥ end: none)
  end: 1,
  line: 2, // the line number of `at`
  rows: 3,
  run: 4, // the current run's index (RangeRows.run), -1 before the first
  idA: 5, // the current run's session id bytes [idA, idB), -1 when the reference path read it
  idB: 6,
  dateA: 7, // the current date's bytes [dateA, dateB), -1: none
  dateB: 8,
  dateIndex: 9,
  tracks: 10, // entries in the range's track interner
  runsMade: 11, // out: runs begun by this call, their session ids' [start, end) pairs in `runs`
  maxLength: 12,
  seekMax: 13,
  dates: 14, // date spellings the range has read, [start, end, index] each from dateSeen on
  dateSeen: 15,
} as const;
/** Date spellings the scanner is told of (a file holds a handful). */
export const DATES_SEEN = 8;
const STATE_LENGTH = SCAN.dateSeen + 3 * DATES_SEEN;
/** Runs one call may begin before it leaves the next to JavaScript. */
const RUNS = 1024;

/** The range's own track ids as rangeParser.ts ByteInterner keeps them: C looks ids up there and adds new ones. */
export interface InternerTables {
  slots: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

/** The vocabularies as C reads them: word w is bytes[ends[w - 1], ends[w]), column c's words are [first[c], first[c + 1]). */
interface ScanVocab {
  bytes: Uint8Array;
  ends: Uint32Array;
  first: Uint32Array;
}

interface ScanAddon {
  scanRange(buf: Uint8Array, state: Float64Array, columns: RowColumns, runs: Uint32Array, tracks: InternerTables, table: TrackLookup | null, vocab: ScanVocab): void;
}

/** The addon's scanRange, or null (not built, or built before it had it). */
function scanAddon(): ScanAddon | null {
  const n = loadAddon();
  return 'addon' in n && typeof n.addon.scanRange === 'function' ? (n.addon as unknown as ScanAddon) : null;
}

function scanVocab(): ScanVocab {
  const words = CATEGORICAL_COLUMNS.flatMap((c) => c.vocab.map((w) => Buffer.from(w)));
  const ends = new Uint32Array(words.length);
  words.reduce((at, w, k) => (ends[k] = at + w.length), 0);
  const first = new Uint32Array(CATEGORICAL_COLUMNS.length + 1);
  CATEGORICAL_COLUMNS.forEach((c, k) => (first[k + 1] = first[k] + c.vocab.length));
  return { bytes: Buffer.concat(words), ends, first };
}

export class NativeRangeScanner {
  readonly state = new Float64Array(STATE_LENGTH);
  readonly runs = new Uint32Array(2 * RUNS);
  private readonly addon: ScanAddon;
  private readonly vocab = scanVocab();

  /** `table`: the track table's lookups (its shared buffers are read by C); `limits`: byteRow's bounds. */
  constructor(
    private readonly table: TrackLookup | null,
    limits: { maxLength: number; seekMax: number },
  ) {
    const addon = scanAddon();
    if (!addon) throw new Error('the native range scanner is not built');
    this.addon = addon;
    this.state[SCAN.maxLength] = limits.maxLength;
    this.state[SCAN.seekMax] = limits.seekMax;
  }

  /** Lines of buf from state.at on, into `columns` (state and runs say what was done). */
  scan(buf: Uint8Array, columns: RowColumns, tracks: InternerTables): void {
    this.addon.scanRange(buf, this.state, columns, this.runs, tracks, this.table, this.vocab);
  }
}

export type RangeScannerKind = 'native' | 'javascript';

/** C when the addon has it, else JavaScript. */
export function defaultRangeScanner(): RangeScannerKind {
  return scanAddon() ? 'native' : 'javascript';
}

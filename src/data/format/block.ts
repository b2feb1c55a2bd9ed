// Session blocks: parsed sessions in columns of typed arrays, and the one table of those columns.
import { DataError } from '../../errors.ts';
import { Interner } from '../../util/interner.ts';
import type { LogRow, Session, TrackTable } from './types.ts';

/**
 * The one table of a block's typed columns, name → typed array: per session, then per row. The session block, the
 * assembler's growing columns (read/assembler.ts) and the shard file's layout (shardFormat.ts) are all made
 * from it, so a new column is one line here plus the parser that fills it and the code that reads it.
 */
export const SESSION_COLUMNS = {
  sessionDay: Uint16Array, // index into days
  sessionLength: Uint8Array, // session_length as written
  sessionLine: Uint32Array, // line of the session's first row
  rowEnd: Uint32Array, // cumulative row count: session s owns rows rowEnd[s-1] .. rowEnd[s]
} as const;
export const ROW_COLUMNS = {
  trackRow: Int32Array, // ≥ 0: track table row; < 0: extraTrackIds[-1 - v]
  flags: Uint16Array, // the ten booleans, bit i = FLAG_NAMES[i]
  categories: Uint16Array, // contextType | reasonStart << 4 | reasonEnd << 8
  date: Uint16Array, // index into dates
  seekFwd: Uint16Array,
  seekBack: Uint16Array,
  position: Uint8Array, // session_position
  hour: Uint8Array,
} as const;

type ArraysOf<T> = { [K in keyof T]: T[K] extends new (n: number) => infer A ? A : never };
export type SessionArrays = ArraysOf<typeof SESSION_COLUMNS>;
export type RowArrays = ArraysOf<typeof ROW_COLUMNS>;
export type BlockArrays = SessionArrays & RowArrays;
export type ColumnName = keyof BlockArrays;
type TypedArrayClass = (typeof SESSION_COLUMNS)[keyof typeof SESSION_COLUMNS] | (typeof ROW_COLUMNS)[keyof typeof ROW_COLUMNS];

export const ROW_COLUMN_NAMES = Object.keys(ROW_COLUMNS) as (keyof RowArrays)[];

/** Every column with its kind and array type, sessions' first, in the tables' order. */
export const COLUMNS: readonly { name: ColumnName; perRow: boolean; type: TypedArrayClass }[] = [
  ...Object.entries(SESSION_COLUMNS).map(([name, type]) => ({ name: name as ColumnName, perRow: false, type })),
  ...Object.entries(ROW_COLUMNS).map(([name, type]) => ({ name: name as ColumnName, perRow: true, type })),
];

/** A block's strings (what the cache stores as JSON). */
export interface BlockStrings {
  /** The entry label ("logs.tar.gz › training_set/log_0_….csv"): Session.source is `${label}:${sessionLine[s]}`. */
  label: string;
  ids: string[]; // [S] session ids
  days: string[]; // dictionary of Session.day values
  dates: string[]; // dictionary of row dates
  /** Track ids that are not rows of the track table (all of them when the block was built without a table). */
  extraTrackIds: string[];
}

/**
 * A SessionBlock: a few thousand parsed sessions in columns of typed arrays (about 16 bytes per row), the one
 * compact shape shared by the binary cache (written to disk as is) and the columnar log reader (read/, which
 * builds them from parse workers' columns). Strings (session ids, days, dates, track ids missing from the table)
 * ride along in small arrays.
 */
export interface SessionBlock extends BlockStrings, BlockArrays {}

/**
 * Every field set in one order (the strings', then the tables'): blocks share one hidden class, so the encoder's
 * b.trackRow[i] stays a fast property load (with a spread, a loop over every row measured ~4× slower).
 */
export function makeBlock(strings: BlockStrings, a: BlockArrays): SessionBlock {
  const block: Record<string, unknown> = {
    label: strings.label,
    ids: strings.ids,
    days: strings.days,
    dates: strings.dates,
    extraTrackIds: strings.extraTrackIds,
  };
  for (const { name } of COLUMNS) block[name] = a[name];
  return block as unknown as SessionBlock;
}

/** Zeroed columns for S sessions and R rows. */
export function allocateColumns(S: number, R: number): BlockArrays {
  const a: Record<string, unknown> = {};
  for (const { name, perRow, type } of COLUMNS) a[name] = new type(perRow ? R : S);
  return a as unknown as BlockArrays;
}

/** Bit order of SessionBlock.flags. */
export const FLAG_NAMES = [
  'skip1',
  'skip2',
  'skip3',
  'notSkipped',
  'contextSwitch',
  'noPause',
  'shortPause',
  'longPause',
  'shuffle',
  'premium',
] as const;

export const SKIP1 = 1 << 0;
export const SKIP2 = 1 << 1;
export const SKIP3 = 1 << 2;
export const NOT_SKIPPED = 1 << 3;
export const CONTEXT_SWITCH = 1 << 4;
export const NO_PAUSE = 1 << 5;
export const SHORT_PAUSE = 1 << 6;
export const LONG_PAUSE = 1 << 7;
export const SHUFFLE = 1 << 8;
export const PREMIUM = 1 << 9;

export function packFlags(r: LogRow): number {
  return (
    (r.skip1 ? SKIP1 : 0) |
    (r.skip2 ? SKIP2 : 0) |
    (r.skip3 ? SKIP3 : 0) |
    (r.notSkipped ? NOT_SKIPPED : 0) |
    (r.contextSwitch ? CONTEXT_SWITCH : 0) |
    (r.noPause ? NO_PAUSE : 0) |
    (r.shortPause ? SHORT_PAUSE : 0) |
    (r.longPause ? LONG_PAUSE : 0) |
    (r.shuffle ? SHUFFLE : 0) |
    (r.premium ? PREMIUM : 0)
  );
}

/** Track id of row i of a block. */
export function trackIdAt(b: SessionBlock, i: number, tracks: TrackTable | null): string {
  const v = b.trackRow[i];
  if (v < 0) return b.extraTrackIds[-1 - v];
  if (!tracks) throw new Error('block refers to track table rows but no table was given');
  return tracks.ids[v];
}

/**
 * Sessions as one block (the inverse of sessionAt): for sessions that come as objects (tests, the challenge's test
 * set), so that batches are encoded by the one column encoder. Track ids found in `tracks` become its rows.
 */
export function blockOfSessions(sessions: readonly Session[], tracks: TrackTable, label = ''): SessionBlock {
  const S = sessions.length;
  const R = sessions.reduce((n, s) => n + s.rows.length, 0);
  const a = allocateColumns(S, R);
  const days = new Interner();
  const dates = new Interner();
  const extras = new Interner();
  let i = 0;
  sessions.forEach((s, k) => {
    a.sessionDay[k] = days.index(s.day);
    if (!(s.length >= 0 && s.length <= 255)) throw new DataError(`session_length ${s.length} is out of range`, s.source);
    a.sessionLength[k] = s.length;
    for (const r of s.rows) {
      const row = tracks.index.get(r.trackId);
      a.trackRow[i] = row ?? -1 - extras.index(r.trackId);
      a.flags[i] = packFlags(r);
      a.categories[i] = r.contextType | (r.reasonStart << 4) | (r.reasonEnd << 8);
      a.date[i] = dates.index(r.date);
      a.seekFwd[i] = r.seekFwd;
      a.seekBack[i] = r.seekBack;
      a.position[i] = r.position >= 1 && r.position <= 255 ? r.position : 0; // 0: never placed in a batch
      a.hour[i] = r.hour;
      i++;
    }
    a.rowEnd[k] = i;
  });
  // Each session keeps its own source ("file:line"), which a block's label and line cannot hold: kept beside the
  // block, where sessionSource finds it.
  const strings: BlockStrings = { label, ids: sessions.map((s) => s.id), days: days.values, dates: dates.values, extraTrackIds: extras.values };
  const block = makeBlock(strings, a);
  sourcesOf.set(block, sessions.map((s) => s.source));
  return block;
}

const sourcesOf = new WeakMap<SessionBlock, string[]>();

/** Where session s of a block comes from ("file:line"), for messages. */
export function sessionSource(b: SessionBlock, s: number): string {
  return sourcesOf.get(b)?.[s] ?? `${b.label}:${b.sessionLine[s]}`;
}

/** Session s of a block as the reader would have produced it. */
export function sessionAt(b: SessionBlock, s: number, tracks: TrackTable | null): Session {
  const start = s === 0 ? 0 : b.rowEnd[s - 1];
  const end = b.rowEnd[s];
  const rows = new Array<LogRow>(end - start);
  for (let i = start; i < end; i++) {
    const f = b.flags[i];
    const c = b.categories[i];
    rows[i - start] = {
      position: b.position[i],
      trackId: trackIdAt(b, i, tracks),
      skip1: (f & SKIP1) !== 0,
      skip2: (f & SKIP2) !== 0,
      skip3: (f & SKIP3) !== 0,
      notSkipped: (f & NOT_SKIPPED) !== 0,
      contextSwitch: (f & CONTEXT_SWITCH) !== 0,
      noPause: (f & NO_PAUSE) !== 0,
      shortPause: (f & SHORT_PAUSE) !== 0,
      longPause: (f & LONG_PAUSE) !== 0,
      seekFwd: b.seekFwd[i],
      seekBack: b.seekBack[i],
      shuffle: (f & SHUFFLE) !== 0,
      hour: b.hour[i],
      date: b.dates[b.date[i]],
      premium: (f & PREMIUM) !== 0,
      contextType: c & 0xf,
      reasonStart: (c >> 4) & 0xf,
      reasonEnd: (c >> 8) & 0xf,
    };
  }
  return { id: b.ids[s], day: b.days[b.sessionDay[s]], length: b.sessionLength[s], rows, source: sessionSource(b, s) };
}

/** The sessions of blocks (those of `days` only, when given), as Session objects. */
export async function* sessionsOfBlocks(blocks: AsyncIterable<SessionBlock>, tracks: TrackTable | null, days?: ReadonlySet<string>): AsyncGenerator<Session> {
  for await (const block of blocks) {
    const out: Session[] = [];
    for (let s = 0; s < block.ids.length; s++) if (!days || days.has(block.days[block.sessionDay[s]])) out.push(sessionAt(block, s, tracks));
    yield* out;
  }
}

// dateFormat auto reads every row of one file in ONE slash order (05/07/2018 is 5 July in a DD/MM file and 7 May
// in an MM/DD one). Parsers note, per range, where each kind of evidence first appears (SlashDates) and keep a slash
// date both orders read as written; the reading thread (FileDateOrder) decides the file's order from that evidence
// in file order and rewrites those dates before the rows are grouped, so no row leaves the reader before the
// decision. Evidence, all of which must agree:
//   - a value only one order reads (25/07/2018 is day first, 07/25/2018 month first);
//   - a value that reads as the day in the file's name (log_3_20180705_….csv) in one order only: 05/07/2018 there
//     is day first.
// The first evidence decides, so a file streams on at once; evidence of the other order later in the file is an
// error at its line (some rows would be misdated whichever order won). Ranges whose only slash dates fit both
// orders wait (a bounded look-ahead) until evidence comes or the file ends; with none, month first (the old
// per-value default) is kept and the run says so once.
import { DateCache } from './logrow.ts';
import { DEFAULT_SLASH_ORDER, parseDate, readAuto, type SlashOrder } from '../format/dates.ts';
import { tellOnce, toStderr } from '../../util/tellOnce.ts';

/** Where a range first shows a kind of slash date: its line (within the range) and spelling. */
export interface SlashSeen {
  line: number;
  value: string;
  /** It proves its order by reading as the day in the file's name (not by a number above 12). */
  byName: boolean;
}

/** A range's slash-date evidence (what FileDateOrder needs; plain data, it crosses from a worker). */
export interface SlashEvidence {
  dayFirst: SlashSeen | null;
  monthFirst: SlashSeen | null;
  /** A date both orders read, as different days: kept as written in RangeRows.dates until the order is known. */
  either: SlashSeen | null;
}

/** A slash date kept as written (the only dates with a '/' in RangeRows.dates; the rest are YYYY-MM-DD). */
const isDeferred = (date: string) => date.includes('/');

/** The parser's dates under auto: notes evidence at `line` (set by the parser before each get) for the range. */
export class SlashDates extends DateCache {
  line = 0;
  private fileDay: string | null = null;
  private seen: SlashEvidence = { dayFirst: null, monthFirst: null, either: null };

  constructor() {
    super('auto');
  }

  /** A new range of the file named for `fileDay` (null: its name carries no day). */
  begin(fileDay: string | null): void {
    this.forget();
    this.fileDay = fileDay;
    this.seen = { dayFirst: null, monthFirst: null, either: null };
  }

  evidence(): SlashEvidence {
    return this.seen;
  }

  protected override read(raw: string): string | null {
    const r = readAuto(raw);
    if (r === null) return null;
    if (r !== 'either') {
      if (r.proves) this.note(r.proves, raw, false);
      return r.date;
    }
    const value = raw.trim();
    this.seen.either ??= { line: this.line, value, byName: false };
    if (this.fileDay !== null) {
      if (parseDate(value, 'DD/MM/YYYY') === this.fileDay) this.note('DD/MM/YYYY', raw, true);
      else if (parseDate(value, 'MM/DD/YYYY') === this.fileDay) this.note('MM/DD/YYYY', raw, true);
    }
    return value;
  }

  private note(order: SlashOrder, raw: string, byName: boolean): void {
    const key = order === 'DD/MM/YYYY' ? 'dayFirst' : 'monthFirst';
    this.seen[key] ??= { line: this.line, value: raw.trim(), byName };
  }
}

const ORDER_WORDS: Record<SlashOrder, string> = { 'DD/MM/YYYY': 'day first (DD/MM/YYYY)', 'MM/DD/YYYY': 'month first (MM/DD/YYYY)' };

/** One file's slash order under auto, decided on the reading thread from its ranges' evidence in file order. */
/** What the look-ahead reads and trims of a parsed range (rangeRows.ts RangeRows, of which it is a part). */
export interface DatedRows {
  rows: number;
  line: Uint32Array;
  dates: string[];
  slash: SlashEvidence | null;
  error: { line: number; reason: string } | null;
}

export class FileDateOrder {
  /** null until decided. */
  order: SlashOrder | null = null;
  /** What decided it: the first evidence (file line), or null when no evidence did (the default). */
  private cause: SlashSeen | null = null;
  /** The first date both orders read (file line), for the notice. */
  private example: SlashSeen | null = null;
  /** The line the look-ahead reached when the default was taken, or -1 when the file ended first. */
  private guessedAt = -1;

  constructor(
    private readonly label: string,
    private readonly fileDay: string | null,
    private readonly notice: (line: string) => void = toStderr,
  ) {}

  /**
   * A range's evidence, its lines counted from file line `first`. The first evidence decides; evidence of the other
   * order becomes the range's error at its line, so the errors of earlier lines still come first.
   */
  see(rows: DatedRows, first: number): void {
    const e = rows.slash;
    if (e === null) return;
    if (e.either && !this.example) this.example = { ...e.either, line: first + e.either.line };
    const proofs: [SlashOrder, SlashSeen][] = [];
    if (e.dayFirst) proofs.push(['DD/MM/YYYY', e.dayFirst]);
    if (e.monthFirst) proofs.push(['MM/DD/YYYY', e.monthFirst]);
    proofs.sort((a, b) => a[1].line - b[1].line);
    for (const [order, seen] of proofs) {
      if (this.order === null) {
        this.order = order;
        this.cause = { ...seen, line: first + seen.line };
      } else if (order !== this.order) {
        fail(rows, seen.line, this.conflict(order, seen.value, seen.byName));
        return;
      }
    }
  }

  /** Undecided and the range holds dates that wait for the decision. */
  waits(rows: DatedRows): boolean {
    return this.order === null && rows.slash?.either != null;
  }

  /**
   * No evidence in the whole file (beforeLine -1) or before line `beforeLine`: month first, as auto always read such
   * dates, said once per run; `quiet` when the read is failing anyway.
   */
  guess(beforeLine: number, quiet = false): void {
    this.order = DEFAULT_SLASH_ORDER;
    this.guessedAt = beforeLine;
    if (quiet) return;
    const ex = this.example ? ` (e.g. '${this.example.value}' at line ${this.example.line})` : '';
    const where = beforeLine < 0 ? '' : ` before line ${beforeLine} (as far as the reader looks ahead)`;
    const name = this.fileDay ? `reads as its name's day ${this.fileDay}` : 'shows which order (its name carries no day)';
    tellOnce(
      this.notice,
      'month-first guess',
      `note: ${this.label}: its slash dates${ex} fit both day first and month first, and no date${where} ${name}: ` +
        `read as ${ORDER_WORDS[DEFAULT_SLASH_ORDER]}; set data.dateFormat (--date-format) if that is wrong ` +
        '(said once per run)',
    );
  }

  /** The range's dates kept as written, in the decided order. */
  resolve(rows: DatedRows): void {
    const order = this.order ?? DEFAULT_SLASH_ORDER;
    const dates = rows.dates;
    for (let i = 0; i < dates.length; i++) if (isDeferred(dates[i])) dates[i] = parseDate(dates[i], order)!;
  }

  private conflict(order: SlashOrder, value: string, byName: boolean): string {
    const why = (v: string, name: boolean) => (name ? `'${v}' reads as the file name's day ${this.fileDay} only` : `'${v}' can only be`);
    const was = ORDER_WORDS[this.order!];
    const head = `date ${why(value, byName)} ${ORDER_WORDS[order]}, but`;
    if (this.cause === null) {
      return `${head} the dates before it fit both orders and were read ${was}, as no date before line ${this.guessedAt} showed which: set data.dateFormat to ${order} if the file is written so`;
    }
    return `${head} line ${this.cause.line}: ${why(this.cause.value, this.cause.byName)} ${was}: the file mixes both orders; set data.dateFormat to the one it is written in`;
  }
}

/** The range ends at its range-relative line `line` with `reason`, unless an earlier error already ends it. */
function fail(rows: DatedRows, line: number, reason: string): void {
  if (rows.error !== null && rows.error.line <= line) return;
  let n = rows.rows;
  while (n > 0 && rows.line[n - 1] >= line) n--;
  rows.rows = n;
  rows.error = { line, reason };
}

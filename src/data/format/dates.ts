// Dates in the log files: the dataset writes YYYY-MM-DD; copies re-saved with pandas write e.g. DD-MM-YY.
// Everything is normalised to YYYY-MM-DD (logrow.ts caches the last parse, so the per-row cost is one compare).
/** The spellings `data.dateFormat` (and --date-format) accept; auto detects them (slash dates: one order per file). */
export const DATE_FORMATS = ['auto', 'YYYY-MM-DD', 'DD-MM-YY', 'MM/DD/YYYY', 'DD/MM/YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** The dataset's dates lie in 2018; rows outside this range (e.g. 2032-05-25) are treated by the badDates policy. */
export const DEFAULT_DATE_RANGE: readonly [string, string] = ['2018-01-01', '2018-12-31'];

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/;
const DASH_2Y = /^(\d{1,2})-(\d{1,2})-(\d{2})$/;
const DASH_4Y = /^(\d{1,2})-(\d{1,2})-(\d{4})$/;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:[ T].*)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

function iso(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1) return null;
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > daysInMonth) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

/**
 * The two orders a slash date (05/07/2018, 05/07/18) can be written in. Under auto a file reader decides one per
 * file (read/dateOrder.ts); a value read alone, with no file around it, takes the default.
 */
export type SlashOrder = 'MM/DD/YYYY' | 'DD/MM/YYYY';
/** Month first: the US/Excel habit, and what auto read every ambiguous slash date as before it looked at files. */
export const DEFAULT_SLASH_ORDER: SlashOrder = 'MM/DD/YYYY';

/**
 * How one value reads under auto before its file's slash order is known: a date (every layout but slashes, and a
 * slash date both orders read alike, 07/07/2018); a slash date only one order can read (`proves`: 25/07/2018 is day
 * first); a slash date both orders read, as different days (`either`: 05/07/2018); or null when it is no date.
 */
export type AutoReading = { date: string; proves: SlashOrder | null } | 'either' | null;

export function readAuto(value: string): AutoReading {
  const v = value.trim();
  let m: RegExpMatchArray | null;
  if ((m = v.match(ISO))) return known(iso(+m[1], +m[2], +m[3]), null);
  // Two-digit years with dashes are what pandas writes with dayfirst (15-07-18 = 2018-07-15).
  if ((m = v.match(DASH_2Y) ?? v.match(DASH_4Y))) return known(iso(fullYear(m[3]), +m[2], +m[1]), null);
  if ((m = v.match(SLASH))) {
    const a = +m[1];
    const b = +m[2];
    // A number above 12 cannot be a month; 1..12 both ways is a valid day in either order.
    if (a > 12) return known(iso(fullYear(m[3]), b, a), 'DD/MM/YYYY');
    if (b > 12) return known(iso(fullYear(m[3]), a, b), 'MM/DD/YYYY');
    if (a === b || a === 0 || b === 0) return known(iso(fullYear(m[3]), a, b), null);
    return 'either';
  }
  if ((m = v.match(COMPACT))) return known(iso(+m[1], +m[2], +m[3]), null);
  return null;
}

const known = (date: string | null, proves: SlashOrder | null): AutoReading => (date === null ? null : { date, proves });

/**
 * `value` as YYYY-MM-DD, or null when it does not parse in `format`. auto: the first matching known layout, and for
 * a slash date both orders read, `order` (the file's, see SlashOrder).
 */
export function parseDate(value: string, format: DateFormat, order: SlashOrder = DEFAULT_SLASH_ORDER): string | null {
  const v = value.trim();
  let m: RegExpMatchArray | null;
  switch (format) {
    case 'YYYY-MM-DD':
      return (m = v.match(ISO)) ? iso(+m[1], +m[2], +m[3]) : null;
    case 'DD-MM-YY':
      return (m = v.match(DASH_2Y) ?? v.match(DASH_4Y)) ? iso(fullYear(m[3]), +m[2], +m[1]) : null;
    case 'MM/DD/YYYY':
      return (m = v.match(SLASH)) ? iso(fullYear(m[3]), +m[1], +m[2]) : null;
    case 'DD/MM/YYYY':
      return (m = v.match(SLASH)) ? iso(fullYear(m[3]), +m[2], +m[1]) : null;
    case 'auto': {
      const r = readAuto(v);
      return r === 'either' ? parseDate(v, order) : (r?.date ?? null);
    }
  }
}

/**
 * The YYYY-MM-DD log day of a file: in its name (log_3_20180715_000000000000.csv), else a day=YYYY-MM-DD folder in
 * its path (the Parquet export's partitions); or null.
 */
export function dayFromFileName(path: string): string | null {
  const name = path.split('/').pop() ?? path;
  const m = name.match(/_(\d{4})(\d{2})(\d{2})(?:_|\.)/) ?? path.match(/(?:^|\/)day=(\d{4})-(\d{2})-(\d{2})\//);
  return m ? iso(+m[1], +m[2], +m[3]) : null;
}

export function inDateRange(date: string, range: readonly [string, string]): boolean {
  return date >= range[0] && date <= range[1];
}

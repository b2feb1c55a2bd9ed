// Dates in the log files: the dataset writes YYYY-MM-DD; copies re-saved with pandas write e.g. DD-MM-YY.
// Everything is normalised to YYYY-MM-DD (logrow.ts caches the last parse, so the per-row cost is one compare).
/** The spellings `data.dateFormat` (and --date-format) accept; auto detects them. */
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

/** `value` as YYYY-MM-DD, or null when it does not parse in `format` (auto: the first matching known layout). */
export function parseDate(value: string, format: DateFormat): string | null {
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
    case 'auto':
      if ((m = v.match(ISO))) return iso(+m[1], +m[2], +m[3]);
      // Two-digit years with dashes are what pandas writes with dayfirst (15-07-18 = 2018-07-15).
      if ((m = v.match(DASH_2Y) ?? v.match(DASH_4Y))) return iso(fullYear(m[3]), +m[2], +m[1]);
      // Slashes: month first (the US/Excel habit) unless the first number cannot be a month.
      if ((m = v.match(SLASH))) return +m[1] > 12 ? iso(fullYear(m[3]), +m[2], +m[1]) : iso(fullYear(m[3]), +m[1], +m[2]);
      if ((m = v.match(COMPACT))) return iso(+m[1], +m[2], +m[3]);
      return null;
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

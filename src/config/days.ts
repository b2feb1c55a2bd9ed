// Lists of log days (YYYY-MM-DD), as written in configs and on the command line:
// "2018-07-15..2018-09-16,2018-09-18" or ["2018-07-15..2018-07-20", "2018-07-22"].
import { ConfigError } from '../errors.ts';

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
/** A range longer than this is surely a typo (the whole MSSD spans 66 days). */
const MAX_RANGE_DAYS = 3660;

/** Milliseconds since the epoch of a real calendar day, or undefined (2018-02-30 is not a day). */
function dayToUtc(day: string): number | undefined {
  const m = DAY_PATTERN.exec(day);
  if (!m) return undefined;
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, date);
  const back = new Date(ms);
  // Date.UTC rolls 2018-02-30 over to March; a real day survives the round trip.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) return undefined;
  return ms;
}

function utcToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isCalendarDay(day: string): boolean {
  return dayToUtc(day) !== undefined;
}

/** The day `n` days after `day` (n may be negative). */
export function addDays(day: string, n: number): string {
  const ms = dayToUtc(day);
  if (ms === undefined) throw new ConfigError(`'${day}' is not a real calendar day in the form YYYY-MM-DD`);
  return utcToDay(ms + n * MS_PER_DAY);
}

function checkedDay(text: string, path: string | undefined): number {
  const ms = dayToUtc(text);
  if (ms === undefined) {
    const hint = DAY_PATTERN.test(text) ? 'no such calendar day' : 'expected YYYY-MM-DD, e.g. 2018-07-15';
    throw new ConfigError(`'${text}' is not a valid day (${hint})`, path);
  }
  return ms;
}

/**
 * Expand a day spec into sorted, de-duplicated YYYY-MM-DD strings. Accepts comma-separated items and ranges
 * `first..last` (inclusive), as one string or a list of such strings. `path` names the config key in errors.
 */
export function parseDays(spec: string | string[], path?: string): string[] {
  const items = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => {
    if (typeof s !== 'string') throw new ConfigError(`expected days as strings (YYYY-MM-DD), got ${JSON.stringify(s)}`, path);
    return s.split(',');
  });
  const days = new Set<number>();
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const range = item.split('..');
    if (range.length > 2) throw new ConfigError(`'${item}' is not a day or a range first..last`, path);
    if (range.length === 1) {
      days.add(checkedDay(item, path));
      continue;
    }
    const first = checkedDay(range[0].trim(), path);
    const last = checkedDay(range[1].trim(), path);
    if (last < first) throw new ConfigError(`range '${item}' ends before it starts`, path);
    const count = (last - first) / MS_PER_DAY + 1;
    if (count > MAX_RANGE_DAYS) throw new ConfigError(`range '${item}' spans ${count} days; is that a typo?`, path);
    for (let ms = first; ms <= last; ms += MS_PER_DAY) days.add(ms);
  }
  return [...days].sort((a, b) => a - b).map(utcToDay);
}

/**
 * The inverse of parseDays for display and saved configs: runs of three or more consecutive days become a range.
 * parseDays(formatDays(d)) equals d for any sorted, de-duplicated list.
 */
export function formatDays(days: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < days.length) {
    let j = i;
    while (j + 1 < days.length && dayToUtc(days[j + 1])! - dayToUtc(days[j])! === MS_PER_DAY) j++;
    if (j - i >= 2) out.push(`${days[i]}..${days[j]}`);
    else for (let k = i; k <= j; k++) out.push(days[k]);
    i = j + 1;
  }
  return out;
}

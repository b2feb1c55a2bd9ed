// Skip rates (skip_2 and not_skipped) broken down by when and how a track was played, from streaming counts.
import type { LogRow } from '../data/format/types.ts';
import { CONTEXT_TYPES, MAX_SESSION_LENGTH, REASONS_START } from '../data/format/columns.ts';
import { ownCopy } from './ownCopy.ts';

export interface RateRow {
  rows: number;
  skip2Rate: number;
  notSkippedRate: number;
}

interface CategoryCountsState {
  rows: number[];
  skip2: number[];
  notSkipped: number[];
}

/** Counts over a small fixed set of categories (typed arrays: no per-row allocation). */
class CategoryCounts {
  readonly rows: Float64Array;
  readonly skip2: Float64Array;
  readonly notSkipped: Float64Array;
  constructor(readonly categories: number) {
    this.rows = new Float64Array(categories);
    this.skip2 = new Float64Array(categories);
    this.notSkipped = new Float64Array(categories);
  }
  add(category: number, row: LogRow): void {
    if (!(category >= 0 && category < this.categories)) return;
    this.rows[category]++;
    if (row.skip2) this.skip2[category]++;
    if (row.notSkipped) this.notSkipped[category]++;
  }
  state(): CategoryCountsState {
    return { rows: Array.from(this.rows), skip2: Array.from(this.skip2), notSkipped: Array.from(this.notSkipped) };
  }
  /** Adds another shard's counts of the same categories. */
  merge(s: CategoryCountsState): void {
    if (s.rows.length !== this.categories) throw new Error(`skip-rate counts of ${s.rows.length} categories cannot merge into ${this.categories}`);
    for (let c = 0; c < this.categories; c++) {
      this.rows[c] += s.rows[c];
      this.skip2[c] += s.skip2[c];
      this.notSkipped[c] += s.notSkipped[c];
    }
  }
  rate(category: number): RateRow {
    const n = this.rows[category];
    return { rows: n, skip2Rate: n ? this.skip2[category] / n : NaN, notSkippedRate: n ? this.notSkipped[category] / n : NaN };
  }
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** 0 = Monday … 6 = Sunday for a YYYY-MM-DD date; -1 if it does not parse. */
export function weekdayOf(date: string): number {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  if (!Number.isFinite(t)) return -1;
  return (new Date(t).getUTCDay() + 6) % 7;
}

export interface SkipRateSummary {
  overall: RateRow;
  byPosition: (RateRow & { position: number })[];
  byHour: (RateRow & { hour: number })[];
  byWeekday: (RateRow & { weekday: string })[];
  byDate: (RateRow & { date: string })[];
  byContextType: (RateRow & { value: string })[];
  byPremium: (RateRow & { value: string })[];
  byShuffle: (RateRow & { value: string })[];
  byReasonStart: (RateRow & { value: string })[];
}

/** What a shard's skip-rate counts leave for the merge: every breakdown's counts, the dates' keyed by date. */
export interface SkipRateState {
  fixed: Record<FixedBreakdown, CategoryCountsState>;
  dates: Record<string, { rows: number; skip2: number; notSkipped: number }>;
}

const FIXED_BREAKDOWNS = ['all', 'position', 'hour', 'weekday', 'contextType', 'premium', 'shuffle', 'reasonStart'] as const;
type FixedBreakdown = (typeof FIXED_BREAKDOWNS)[number];

export class SkipRateAggregator {
  private readonly all = new CategoryCounts(1);
  private readonly position = new CategoryCounts(MAX_SESSION_LENGTH + 1);
  private readonly hour = new CategoryCounts(24);
  private readonly weekday = new CategoryCounts(7);
  private readonly contextType = new CategoryCounts(CONTEXT_TYPES.length + 1);
  private readonly premium = new CategoryCounts(2);
  private readonly shuffle = new CategoryCounts(2);
  private readonly reasonStart = new CategoryCounts(REASONS_START.length + 1);
  // Dates are few (66 in the full set, plus a handful of impossible ones), so a map stays small.
  private readonly dateIndex = new Map<string, number>();
  private dates = new CategoryCounts(16);
  // The weekday of a date is computed once per distinct date, not per row.
  private readonly dateWeekday: number[] = [];

  add(row: LogRow): void {
    this.all.add(0, row);
    this.position.add(row.position, row);
    this.hour.add(row.hour, row);
    this.contextType.add(row.contextType, row);
    this.premium.add(row.premium ? 1 : 0, row);
    this.shuffle.add(row.shuffle ? 1 : 0, row);
    this.reasonStart.add(row.reasonStart, row);
    const d = this.dateSlot(row.date);
    this.dates.add(d, row);
    this.weekday.add(this.dateWeekday[d], row);
  }

  private dateSlot(date: string): number {
    let d = this.dateIndex.get(date);
    if (d === undefined) {
      d = this.dateIndex.size;
      this.dateIndex.set(ownCopy(date), d);
      this.dateWeekday[d] = weekdayOf(date);
      if (d >= this.dates.categories) this.dates = grow(this.dates);
    }
    return d;
  }

  state(): SkipRateState {
    const fixed = Object.fromEntries(FIXED_BREAKDOWNS.map((b) => [b, this[b].state()])) as SkipRateState['fixed'];
    const dates: SkipRateState['dates'] = {};
    for (const [date, d] of this.dateIndex) dates[date] = { rows: this.dates.rows[d], skip2: this.dates.skip2[d], notSkipped: this.dates.notSkipped[d] };
    return { fixed, dates };
  }

  /** Adds another shard's counts: every count is a sum, so the merge is exact. */
  merge(s: SkipRateState): void {
    for (const b of FIXED_BREAKDOWNS) this[b].merge(s.fixed[b]);
    for (const [date, c] of Object.entries(s.dates)) {
      const d = this.dateSlot(date);
      this.dates.rows[d] += c.rows;
      this.dates.skip2[d] += c.skip2;
      this.dates.notSkipped[d] += c.notSkipped;
    }
  }

  summary(): SkipRateSummary {
    const listed = <T extends string>(counts: CategoryCounts, names: readonly T[], other = true) =>
      [...names, ...(other ? ['other'] : [])]
        .map((value, i) => ({ value, ...counts.rate(i) }))
        .filter((r) => r.rows > 0);
    return {
      overall: this.all.rate(0),
      byPosition: range(1, MAX_SESSION_LENGTH).map((position) => ({ position, ...this.position.rate(position) })),
      byHour: range(0, 23).map((hour) => ({ hour, ...this.hour.rate(hour) })),
      byWeekday: WEEKDAYS.map((weekday, i) => ({ weekday, ...this.weekday.rate(i) })),
      byDate: [...this.dateIndex]
        .map(([date, i]) => ({ date, ...this.dates.rate(i) }))
        .sort((a, b) => a.date.localeCompare(b.date)),
      byContextType: listed(this.contextType, CONTEXT_TYPES),
      byPremium: listed(this.premium, ['false', 'true'], false),
      byShuffle: listed(this.shuffle, ['false', 'true'], false),
      byReasonStart: listed(this.reasonStart, REASONS_START),
    };
  }
}

function grow(c: CategoryCounts): CategoryCounts {
  const bigger = new CategoryCounts(c.categories * 2);
  bigger.rows.set(c.rows);
  bigger.skip2.set(c.skip2);
  bigger.notSkipped.set(c.notSkipped);
  return bigger;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

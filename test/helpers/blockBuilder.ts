// Builds SessionBlocks from Session objects, so shard tests can make blocks of any content without a log file.
import { DataError } from '../../src/errors.ts';
import { makeBlock, packFlags, type SessionBlock } from '../../src/data/format/block.ts';
import type { LogRow, Session, TrackTable } from '../../src/data/format/types.ts';

const U16_MAX = 0xffff;

/**
 * Collects sessions of one entry into blocks. With a track table, track ids become table rows (16 bytes per row
 * in all); without one (the parallel reader's worker) every id goes to the block's string dictionary.
 */
export class SessionBlockBuilder {
  private ids: string[] = [];
  private sessionDay: string[] = [];
  private sessionLength: number[] = [];
  private sessionLine: number[] = [];
  private rowEnd: number[] = [];
  private rows: LogRow[] = [];

  constructor(
    readonly label: string,
    private readonly tracks: TrackTable | null,
  ) {}

  get sessions(): number {
    return this.ids.length;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** Adds a session of this builder's entry (its source names the entry and the line of its first row). */
  add(s: Session): void {
    const line = splitSource(s.source).line;
    this.ids.push(s.id);
    this.sessionDay.push(s.day);
    this.sessionLength.push(s.length);
    this.sessionLine.push(line);
    for (let i = 0; i < s.rows.length; i++) this.rows.push(s.rows[i]);
    this.rowEnd.push(this.rows.length);
  }

  /** The block so far (the builder starts empty again). */
  take(): SessionBlock {
    const S = this.ids.length;
    const R = this.rows.length;
    const where = `${this.label}:${this.sessionLine[0] ?? 0}`;
    const days = new Dictionary();
    const dates = new Dictionary();
    const extra = new Dictionary();
    const sessionDay = new Uint16Array(S);
    const sessionLength = new Uint8Array(S);
    const sessionLine = Uint32Array.from(this.sessionLine);
    const rowEnd = Uint32Array.from(this.rowEnd);
    for (let s = 0; s < S; s++) {
      sessionDay[s] = days.index(this.sessionDay[s], where);
      if (this.sessionLength[s] > 255) throw new DataError(`session_length ${this.sessionLength[s]} is too large to cache`, where);
      sessionLength[s] = this.sessionLength[s];
    }
    const trackRow = new Int32Array(R);
    const flags = new Uint16Array(R);
    const categories = new Uint16Array(R);
    const date = new Uint16Array(R);
    const seekFwd = new Uint16Array(R);
    const seekBack = new Uint16Array(R);
    const position = new Uint8Array(R);
    const hour = new Uint8Array(R);
    const index = this.tracks?.index;
    for (let i = 0; i < R; i++) {
      const r = this.rows[i];
      const known = index?.get(r.trackId);
      trackRow[i] = known ?? -1 - extra.index(r.trackId, where, 0x7fffffff);
      flags[i] = packFlags(r);
      categories[i] = r.contextType | (r.reasonStart << 4) | (r.reasonEnd << 8);
      date[i] = dates.index(r.date, where);
      if (r.seekFwd > U16_MAX || r.seekBack > U16_MAX || r.seekFwd < 0 || r.seekBack < 0) {
        throw new DataError(`seek count ${Math.max(r.seekFwd, r.seekBack)} is outside 0..${U16_MAX} and cannot be cached`, where);
      }
      seekFwd[i] = r.seekFwd;
      seekBack[i] = r.seekBack;
      position[i] = r.position;
      hour[i] = r.hour;
    }
    const block = makeBlock(
      { label: this.label, ids: this.ids, days: days.values, dates: dates.values, extraTrackIds: extra.values },
      { sessionDay, sessionLength, sessionLine, rowEnd, trackRow, flags, categories, date, seekFwd, seekBack, position, hour },
    );
    this.ids = [];
    this.sessionDay = [];
    this.sessionLength = [];
    this.sessionLine = [];
    this.rowEnd = [];
    this.rows = [];
    return block;
  }
}

class Dictionary {
  readonly values: string[] = [];
  private readonly map = new Map<string, number>();
  private last = '';
  private lastIndex = -1;

  index(value: string, where: string, max = U16_MAX): number {
    if (value === this.last && this.lastIndex >= 0) return this.lastIndex;
    let i = this.map.get(value);
    if (i === undefined) {
      i = this.values.length;
      if (i > max) throw new DataError(`more than ${max + 1} distinct values in one cache block`, where);
      this.values.push(value);
      this.map.set(value, i);
    }
    this.last = value;
    this.lastIndex = i;
    return i;
  }
}

/** Session.source is "<entry label>:<line>" (the label itself may contain ':', e.g. a Windows path). */
function splitSource(source: string): { label: string; line: number } {
  const i = source.lastIndexOf(':');
  const line = i < 0 ? NaN : Number(source.slice(i + 1));
  if (!Number.isInteger(line) || line < 0) return { label: source, line: 0 };
  return { label: source.slice(0, i), line };
}


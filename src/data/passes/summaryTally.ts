// What `inspect` counts, block by block (logSummary.ts): rows per date, sessions per length, distinct and unknown
// track ids, skip_2. Counted in the blocks' columns; a string is touched once per distinct date or track id of a
// block, never per row.
import { SKIP2, type SessionBlock } from '../format/block.ts';
import { detach } from '../source/csv.ts';
import type { TrackTable } from '../format/types.ts';

export class SummaryTally {
  readonly dates = new Map<string, number>();
  readonly lengths = new Map<number, number>();
  /** Distinct track ids (detached from the text they were cut from). */
  readonly tracks = new Set<string>();
  /** Distinct track ids missing from the table. */
  readonly unknown = new Set<string>();
  unknownRows = 0;
  skips = 0;
  rows = 0;

  /** `table`: the track table unknown ids are looked up in (null: none). */
  constructor(private readonly table: TrackTable | null) {}

  /** A block read without a track table: every row's track is one of its extraTrackIds. */
  add(b: SessionBlock): void {
    const { dates, lengths, tracks, unknown, table } = this;
    for (let s = 0; s < b.ids.length; s++) lengths.set(b.sessionLength[s], (lengths.get(b.sessionLength[s]) ?? 0) + 1);
    const R = b.trackRow.length;
    this.rows += R;
    const perDate = new Float64Array(b.dates.length);
    const perExtra = new Float64Array(b.extraTrackIds.length);
    let skips = 0;
    for (let i = 0; i < R; i++) {
      perDate[b.date[i]]++;
      perExtra[-1 - b.trackRow[i]]++;
      if (b.flags[i] & SKIP2) skips++;
    }
    this.skips += skips;
    b.dates.forEach((d, k) => perDate[k] > 0 && dates.set(d, (dates.get(d) ?? 0) + perDate[k]));
    b.extraTrackIds.forEach((id, k) => {
      if (perExtra[k] === 0) return; // an id of a session that went on into the next block
      if (!tracks.has(id)) tracks.add(detach(id));
      if (table && !table.index.has(id)) {
        this.unknownRows += perExtra[k];
        if (!unknown.has(id)) unknown.add(detach(id));
      }
    });
  }
}

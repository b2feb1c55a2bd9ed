// Small hand-built sessions and track tables for the explore tests.
import { TRACK_FEATURES } from '../../src/data/format/columns.ts';
import type { LogRow, Session, TrackTable } from '../../src/data/format/types.ts';

export function logRow(over: Partial<LogRow> & { trackId: string; position: number }): LogRow {
  return {
    skip1: false,
    skip2: false,
    skip3: false,
    notSkipped: false,
    contextSwitch: false,
    noPause: true,
    shortPause: false,
    longPause: false,
    seekFwd: 0,
    seekBack: 0,
    shuffle: false,
    hour: 12,
    date: '2018-07-15',
    premium: true,
    contextType: 0,
    reasonStart: 0,
    reasonEnd: 0,
    ...over,
  };
}

/** A session from track ids and skip_2 flags; not_skipped is set to the opposite of skip_2 unless given. */
export function session(id: string, tracks: string[], skip2: boolean[], common: Partial<LogRow> = {}): Session {
  const rows = tracks.map((trackId, i) =>
    logRow({ trackId, position: i + 1, skip2: skip2[i], notSkipped: !skip2[i], ...common }),
  );
  return { id, day: rows[0].date, length: rows.length, rows, source: `test:${id}` };
}

/** A track table where each track's named features take the given values (other features 0). */
export function trackTable(tracks: Record<string, Partial<Record<(typeof TRACK_FEATURES)[number], number>>>): TrackTable {
  const ids = Object.keys(tracks);
  const width = TRACK_FEATURES.length;
  const features = new Float32Array(ids.length * width);
  ids.forEach((id, i) => {
    for (const [name, v] of Object.entries(tracks[id])) features[i * width + TRACK_FEATURES.indexOf(name as never)] = v as number;
  });
  return { ids, index: new Map(ids.map((id, i) => [id, i])), features, width };
}

/** Plain two-pass Pearson correlation, the reference the streaming versions are checked against. */
export function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

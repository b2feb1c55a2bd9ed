// The track-features table: every track's 29 numbers in one Float32Array (3.7 M tracks ≈ 430 MB), found by id
// through a Map. Loaded in one streaming pass over the tf_*.csv files.
import { DataError } from '../../errors.ts';
import { openEntries } from '../source/archive.ts';
import { TRACK_COLUMNS, TRACK_FEATURES } from '../format/columns.ts';
import { detach, headerPositions, readLineChunks, splitFields } from '../source/csv.ts';
import type { TrackTable } from '../format/types.ts';

export interface TrackProgress {
  file: string;
  compressedBytes: number;
  tracks: number;
}

/** Unknown track rows met under the 'zeros' policy (distinct ids are not kept: that set could grow without bound). */
export interface UnknownTrackCount {
  rows: number;
}

const WIDTH = TRACK_FEATURES.length;
const MODE = TRACK_FEATURES.indexOf('mode');

/**
 * Row of `id` in the table. Unknown ids: policy 'error' throws a DataError at `where`; 'zeros' returns -1 (the caller
 * uses all-zero features) and counts the row in `count`.
 */
export function resolveTrack(
  table: TrackTable,
  id: string,
  policy: 'error' | 'zeros',
  where: string,
  count?: UnknownTrackCount,
): number {
  const i = table.index.get(id);
  if (i !== undefined) return i;
  if (policy === 'error') {
    throw new DataError(
      `track '${id}' is not in the track table (${table.ids.length} tracks); set data.unknownTracks to 'zeros' to use all-zero features`,
      where,
    );
  }
  if (count) count.rows++;
  return -1;
}

function featureValue(v: string, col: number, label: string, line: number): number {
  if (col === MODE) {
    if (v === 'major') return 1;
    if (v === 'minor') return 0;
  }
  const n = +v;
  if (v === '' || !Number.isFinite(n)) {
    throw new DataError(`column '${TRACK_FEATURES[col]}' must be a number${col === MODE ? " (or 'major'/'minor')" : ''}, found '${v}'`, `${label}:${line}`);
  }
  // The table holds float32: a larger magnitude would be stored as ±Infinity and poison the feature statistics.
  if (!Number.isFinite(Math.fround(n))) {
    throw new DataError(`column '${TRACK_FEATURES[col]}' must be a number within ±3.4e38 (a 32-bit float), found '${v}'`, `${label}:${line}`);
  }
  return n;
}

/** Every track of every tf_*.csv in `source` (archive, folder or file). A duplicated track id is a DataError. */
export async function loadTrackTable(source: string, onProgress?: (p: TrackProgress) => void): Promise<TrackTable> {
  const ids: string[] = [];
  const index = new Map<string, number>();
  let features = new Float32Array(WIDTH * 65536);
  let bytesBefore = 0;
  let lastReader: (() => number) | null = null;
  for await (const entry of openEntries(source)) {
    if (lastReader && lastReader !== entry.sourceBytesRead) bytesBefore += lastReader();
    lastReader = entry.sourceBytesRead;
    let positions: number[] | null = null;
    let width = 0;
    for await (const chunk of readLineChunks(entry)) {
      for (let i = 0; i < chunk.lines.length; i++) {
        const text = chunk.lines[i];
        if (text.length === 0) continue;
        const line = chunk.firstLine + i;
        const fields = splitFields(text);
        if (positions === null) {
          positions = headerPositions(fields, TRACK_COLUMNS, `${entry.label}:${line}`);
          width = fields.length;
          continue;
        }
        if (fields.length !== width) {
          throw new DataError(`expected ${width} fields (as in the header), found ${fields.length}`, `${entry.label}:${line}`);
        }
        const id = detach(fields[positions[0]]);
        if (index.has(id)) throw new DataError(`track '${id}' appears twice`, `${entry.label}:${line}`);
        const row = ids.length;
        if ((row + 1) * WIDTH > features.length) {
          const grown = new Float32Array(features.length * 2);
          grown.set(features);
          features = grown;
        }
        const base = row * WIDTH;
        for (let c = 0; c < WIDTH; c++) {
          features[base + c] = featureValue(fields[positions[c + 1]], c, entry.label, line);
        }
        ids.push(id);
        index.set(id, row);
      }
      onProgress?.({ file: entry.label, compressedBytes: bytesBefore + entry.sourceBytesRead(), tracks: ids.length });
    }
    if (positions === null) throw new DataError('empty file: no header line', entry.label);
  }
  // A view, not a copy: copying would briefly double the largest allocation of the program.
  return { ids, index, features: features.subarray(0, ids.length * WIDTH), width: WIDTH };
}

// Blocks from the parsing thread carry track ids as strings; the cache stores track-table rows instead (4 bytes a
// row). One Map lookup per distinct id per block, then one pass over the rows.
import type { TrackTable } from '../types.ts';
import type { SessionBlock } from './block.ts';

/** The block with its string track ids replaced by table rows where the table has them (in place). */
export function remapTracks(block: SessionBlock, tracks: TrackTable): SessionBlock {
  const ids = block.extraTrackIds;
  if (ids.length === 0) return block;
  const target = new Int32Array(ids.length);
  const unknown: string[] = [];
  for (let k = 0; k < ids.length; k++) {
    const row = tracks.index.get(ids[k]);
    if (row !== undefined) target[k] = row;
    else {
      unknown.push(ids[k]);
      target[k] = -unknown.length;
    }
  }
  const rows = block.trackRow;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i];
    if (v < 0) rows[i] = target[-1 - v];
  }
  block.extraTrackIds = unknown;
  return block;
}

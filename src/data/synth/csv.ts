// MSSD file spellings: how one session row, one challenge input row and one track row are written.
import { CONTEXT_TYPES, LOG_COLUMNS, REASONS_END, REASONS_START, TRACK_COLUMNS, INPUT_COLUMNS } from '../format/columns.ts';
import type { LogRow } from '../format/types.ts';

export const LOG_HEADER = LOG_COLUMNS.join(',');
export const INPUT_HEADER = INPUT_COLUMNS.join(',');
export const TRACK_HEADER = TRACK_COLUMNS.join(',');

const bool = (b: boolean) => (b ? 'true' : 'false');
const flag = (b: boolean) => (b ? '1' : '0');

/** One log line in LOG_COLUMNS order: labels and shuffle/premium as true/false, pause and switch flags as 0/1. */
export function logLine(sessionId: string, length: number, r: LogRow): string {
  return [
    sessionId,
    r.position,
    length,
    r.trackId,
    bool(r.skip1),
    bool(r.skip2),
    bool(r.skip3),
    bool(r.notSkipped),
    flag(r.contextSwitch),
    flag(r.noPause),
    flag(r.shortPause),
    flag(r.longPause),
    r.seekFwd,
    r.seekBack,
    bool(r.shuffle),
    r.hour,
    r.date,
    bool(r.premium),
    CONTEXT_TYPES[r.contextType],
    REASONS_START[r.reasonStart],
    REASONS_END[r.reasonEnd],
  ].join(',');
}

export function inputLine(sessionId: string, length: number, r: LogRow): string {
  return `${sessionId},${r.position},${length},${r.trackId}`;
}

const MODE_COLUMN = TRACK_COLUMNS.indexOf('mode') - 1;

/** One track line: `mode` as major/minor, other features as plain numbers. */
export function trackLine(id: string, features: Float32Array, row: number, width: number): string {
  const parts: string[] = [id];
  for (let j = 0; j < width; j++) {
    const v = features[row * width + j];
    parts.push(j === MODE_COLUMN ? (v === 1 ? 'major' : 'minor') : String(Number(v.toPrecision(7))));
  }
  return parts.join(',');
}

// A byte-level line reader for the MSSD CSVs. The files are unquoted and ASCII, so lines are cut at '\n' bytes and
// fields at commas; a line that contains a quote is handed to papaparse, so quoted files still parse correctly.
// Lines come out in chunks (one per decompressed block) so the callers pay one async step per block, not per row.
import Papa from 'papaparse';
import { DataError } from '../../errors.ts';
import { StreamError, type TextEntry } from './textEntry.ts';

export interface LineChunk {
  /** Lines without their '\n' / '\r\n'; blank lines are kept so that `firstLine + i` is the line number. */
  lines: string[];
  /** 1-based line number of lines[0] within the entry. */
  firstLine: number;
}

const NEWLINE = 0x0a;

/** The entry's lines, chunk by chunk. A failing byte stream becomes a DataError naming the line it had reached. */
export async function* readLineChunks(entry: TextEntry): AsyncGenerator<LineChunk> {
  let carry: Buffer | null = null;
  let firstLine = 1;
  try {
    for await (const chunk of entry.bytes) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const last = buf.lastIndexOf(NEWLINE);
      if (last < 0) {
        carry = buf;
        continue;
      }
      // Cut at the last newline byte so a multi-byte UTF-8 character is never split between two decodes.
      const text = buf.toString('utf8', 0, last);
      carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : null;
      const lines = splitLines(text, firstLine === 1);
      yield { lines, firstLine };
      firstLine += lines.length;
    }
  } catch (e) {
    if (e instanceof StreamError) throw new DataError(`${e.reason} (while reading line ${firstLine})`, `${entry.label}:${firstLine}`);
    throw e;
  }
  if (carry && carry.length > 0) yield { lines: splitLines(carry.toString('utf8'), firstLine === 1), firstLine };
}

function splitLines(text: string, atStart: boolean): string[] {
  if (atStart && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (text.includes('\r')) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
  }
  return lines;
}

/** The fields of one CSV line; quoted lines (never in MSSD, possible in re-saved copies) go through papaparse. */
export function splitFields(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const parsed = Papa.parse<string[]>(line, { delimiter: ',', header: false });
  return parsed.data[0] ?? [];
}

/**
 * Where each required column sits in the header: result[i] = position of required[i]. Extra columns are allowed
 * (ignored); a missing one is a DataError naming it.
 */
export function headerPositions(header: string[], required: readonly string[], where: string): number[] {
  const seen = new Map<string, number>();
  header.forEach((name, i) => seen.set(name.trim(), i));
  const missing = required.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((m) => `'${m}'`).join(', ');
    const list = missing.length > 5 ? `${shown} and ${missing.length - 5} more` : shown;
    throw new DataError(`missing header column${missing.length > 1 ? 's' : ''} ${list} (the header has: ${header.slice(0, 25).join(',')}${header.length > 25 ? ',…' : ''})`, where);
  }
  return required.map((name) => seen.get(name)!);
}

/** True when the header lists exactly `required`, in order: the common case, where no reordering is needed. */
export function isExactHeader(positions: number[], headerLength: number): boolean {
  return positions.length === headerLength && positions.every((p, i) => p === i);
}

/** Fields reordered into `positions` order (used only for files whose columns are shuffled or extended). */
export function pickFields(fields: string[], positions: number[]): string[] {
  const out = new Array<string>(positions.length);
  for (let i = 0; i < positions.length; i++) out[i] = fields[positions[i]];
  return out;
}

/**
 * A copy of `s` that does not keep alive the decoded block it was cut from. V8 represents a substring as a view
 * (SlicedString) of its parent, so one track id kept in a long-lived table would pin a whole 256 KiB block of text.
 * Concatenating forces a fresh string (flattened on the slice). Use it for anything kept beyond the current session.
 */
export function detach(s: string): string {
  return (' ' + s).slice(1);
}

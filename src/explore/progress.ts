// Progress of the streaming pass on stderr: one line redrawn with \r on a terminal, a plain line every
// `everyMs` otherwise (logs of CI jobs and nohup runs stay readable).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes under a file or folder (recursively), to turn bytes read into a percentage. 0 if it cannot be read. */
export async function sizeOnDisk(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return info.size;
    let total = 0;
    for (const name of await readdir(path)) total += await sizeOnDisk(join(path, name));
    return total;
  } catch {
    return 0;
  }
}

export interface ProgressState {
  bytes: number;
  sessions: number;
  rows: number;
  file?: string;
}

export class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly totalBytes: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = stream.isTTY ? 250 : 10_000,
  ) {}

  update(p: ProgressState, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const share = this.totalBytes > 0 ? Math.min(1, p.bytes / this.totalBytes) : NaN;
    const eta = share > 0.01 ? ` eta ${formatDuration((seconds / share) * (1 - share))}` : '';
    const line =
      `explore: ${Number.isFinite(share) ? `${(100 * share).toFixed(1)}% ` : ''}` +
      `${p.sessions.toLocaleString('en')} sessions, ${p.rows.toLocaleString('en')} rows, ` +
      `${Math.round(p.rows / Math.max(seconds, 1e-3)).toLocaleString('en')} rows/s${eta}${p.file ? ` (${p.file})` : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns || 120) - 1)}\x1b[K`);
      this.drawn = true;
    } else this.stream.write(`${line}\n`);
  }

  /** End the redrawn line so later output starts on a fresh one. */
  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

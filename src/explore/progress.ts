// Progress of the explore pass, and the size of its input (to turn bytes read into a share).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration, ProgressLine } from '../util/progress.ts';

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

/** The explore pass's progress: share of the input read, sessions, rows, rows/s and ETA, drawn by util/progress.ts. */
export class ExploreProgress {
  private readonly line = new ProgressLine({ ttyEveryMs: 250, plainEveryMs: 10_000 });
  private readonly started = Date.now();

  constructor(private readonly totalBytes: number) {}

  update(p: ProgressState, force = false): void {
    const seconds = (Date.now() - this.started) / 1000;
    const share = this.totalBytes > 0 ? Math.min(1, p.bytes / this.totalBytes) : NaN;
    const eta = share > 0.01 ? ` eta ${formatDuration((seconds / share) * (1 - share))}` : '';
    this.line.update(
      `explore: ${Number.isFinite(share) ? `${(100 * share).toFixed(1)}% ` : ''}` +
        `${p.sessions.toLocaleString('en')} sessions, ${p.rows.toLocaleString('en')} rows, ` +
        `${Math.round(p.rows / Math.max(seconds, 1e-3)).toLocaleString('en')} rows/s${eta}${p.file ? ` (${p.file})` : ''}`,
      force,
    );
  }

  /** A note on a line of its own, without breaking the progress line. */
  log(message: string): void {
    this.line.log(message);
  }

  done(): void {
    this.line.done();
  }
}

// The one progress renderer of every long job (training, evaluation, predict, explore, synth, cache builds), on
// stderr so stdout stays clean: one line redrawn in place on a terminal, a plain line every few seconds otherwise
// (logs of CI jobs, pipes and nohup runs would fill up with carriage-return noise).

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressLineOptions {
  stream?: ProgressStream;
  /** Milliseconds between redraws on a terminal (default 100). */
  ttyEveryMs?: number;
  /** Milliseconds between plain lines otherwise (default 5000). */
  plainEveryMs?: number;
  now?: () => number;
}

export class ProgressLine {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly everyMs: number;
  private readonly now: () => number;
  private last = -Infinity;
  private shown = '';
  private onLine = false;

  constructor(opts: ProgressLineOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.everyMs = this.tty ? (opts.ttyEveryMs ?? 100) : (opts.plainEveryMs ?? 5000);
    this.now = opts.now ?? (() => performance.now());
  }

  /** Shows `text`, at most once per interval and never twice in a row; `force` shows it now (e.g. a job's last update). */
  update(text: string, force = false): void {
    const t = this.now();
    if (text === this.shown || (!force && t - this.last < this.everyMs)) return;
    this.last = t;
    this.shown = text;
    if (this.tty) {
      const width = this.stream.columns || 120;
      this.stream.write(`\r${text.slice(0, width - 1)}\x1b[K`);
      this.onLine = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** A message on a line of its own (validation results, a checkpoint saved), without breaking the redrawn line. */
  log(message: string): void {
    this.endLine();
    this.stream.write(`${message}\n`);
  }

  /** Ends the redrawn line so later output starts on a fresh one; `message` is printed after it. */
  done(message?: string): void {
    this.endLine();
    if (message) this.stream.write(`${message}\n`);
  }

  private endLine(): void {
    if (this.onLine) this.stream.write('\n');
    this.onLine = false;
  }
}

export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** 0m05s, 1m35s, 2h07m; '?' when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

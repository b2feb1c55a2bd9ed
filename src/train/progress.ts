// Console progress for long training: one line redrawn in place on a terminal, plain periodic lines otherwise
// (CI logs and pipes would fill up with carriage-return noise). Written to stderr so stdout stays clean.

export interface ProgressUpdate {
  step: number;
  epoch: number;
  /** The last logged training loss (undefined before the first log interval). */
  loss?: number;
  seqPerSec: number;
}

export interface ProgressOptions {
  /** Planned optimizer steps, for the bar and the ETA. */
  total: number;
  /** Say so when the total is an estimate (e.g. maxSessions capped an unknown count). */
  totalIsEstimate?: boolean;
  epochs: number;
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Seconds between plain lines when not on a TTY. */
  plainEverySeconds?: number;
  now?: () => number;
}

export class Progress {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private lastDraw = -Infinity;
  private onLine = false;
  private firstStep: number | undefined;
  private startedAt = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.now = opts.now ?? (() => performance.now());
    this.plainEveryMs = (opts.plainEverySeconds ?? 10) * 1000;
  }

  /** Report a finished step; draws at most ~10×/s on a TTY and every plainEverySeconds otherwise. */
  update(u: ProgressUpdate): void {
    const t = this.now();
    if (this.firstStep === undefined) {
      this.firstStep = u.step - 1;
      this.startedAt = t;
    }
    const interval = this.tty ? 100 : this.plainEveryMs;
    if (t - this.lastDraw < interval && u.step < this.opts.total) return;
    this.lastDraw = t;
    const text = this.format(u, t);
    if (this.tty) {
      const width = (this.stream as { columns?: number }).columns ?? 100;
      this.stream.write(`\r${text.slice(0, width - 1).padEnd(Math.min(width - 1, text.length + 4))}`);
      this.onLine = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Print a message (validation results, checkpoint saved) without breaking the bar. */
  log(message: string): void {
    this.clearLine();
    this.stream.write(`${message}\n`);
  }

  done(): void {
    this.clearLine();
  }

  private clearLine(): void {
    if (this.onLine) this.stream.write('\n');
    this.onLine = false;
  }

  format(u: ProgressUpdate, t = this.now()): string {
    const { total, epochs } = this.opts;
    const fraction = total > 0 ? Math.min(1, u.step / total) : 0;
    const stepsDone = u.step - (this.firstStep ?? u.step);
    const elapsed = (t - this.startedAt) / 1000;
    const eta = total > u.step ? ((total - u.step) * elapsed) / stepsDone : 0;
    const approx = this.opts.totalIsEstimate ? '~' : '';
    // The first step includes warm-up (kernel compilation, first reads): no rate to extrapolate from yet.
    const etaText = stepsDone > 0 || eta === 0 ? `${approx}${formatDuration(eta)}` : '?';
    const parts = [
      `step ${u.step}/${approx}${total}`,
      `epoch ${u.epoch + 1}/${epochs}`,
      `loss ${u.loss === undefined ? '-' : u.loss.toFixed(4)}`,
      `${u.seqPerSec.toFixed(0)} seq/s`,
      `ETA ${etaText}`,
    ];
    const bar = this.tty ? `${progressBar(fraction, 24)} ` : '';
    return `${bar}${(fraction * 100).toFixed(0).padStart(3)}% ${parts.join('  ')}`;
  }
}

export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

// Console progress for long training: one line redrawn in place on a terminal, plain periodic lines otherwise
// (CI logs and pipes would fill up with carriage-return noise). Drawn by util/progress.ts.
import { formatDuration, progressBar, ProgressLine, type ProgressStream } from '../util/progress.ts';

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
  stream?: ProgressStream;
  /** Seconds between plain lines when not on a TTY. */
  plainEverySeconds?: number;
  now?: () => number;
}

export class Progress {
  private readonly line: ProgressLine;
  private readonly tty: boolean;
  private readonly now: () => number;
  private firstStep: number | undefined;
  private startedAt = 0;

  constructor(private readonly opts: ProgressOptions) {
    const stream = opts.stream ?? process.stderr;
    this.tty = Boolean(stream.isTTY);
    this.now = opts.now ?? (() => performance.now());
    this.line = new ProgressLine({ stream, now: this.now, plainEveryMs: (opts.plainEverySeconds ?? 10) * 1000 });
  }

  /** Report a finished step; drawn at most ~10×/s on a TTY and every plainEverySeconds otherwise. */
  update(u: ProgressUpdate): void {
    const t = this.now();
    if (this.firstStep === undefined) {
      this.firstStep = u.step - 1;
      this.startedAt = t;
    }
    this.line.update(this.format(u, t), u.step >= this.opts.total);
  }

  /** Print a message (validation results, checkpoint saved) without breaking the bar. */
  log(message: string): void {
    this.line.log(message);
  }

  done(): void {
    this.line.done();
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

// Progress lines for long evaluations, on stderr: one line redrawn with \r on a terminal, a plain line every few
// seconds otherwise (logs, CI).
export interface Progress {
  update(message: string): void;
  done(message?: string): void;
}

export function makeProgress(stream: NodeJS.WriteStream = process.stderr, everyMs = 5000): Progress {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(message) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        stream.write(`\r${message}\x1b[K`);
        shown = true;
      } else {
        if (now - last < everyMs) return;
        stream.write(`${message}\n`);
      }
      last = now;
    },
    done(message) {
      if (tty && shown) stream.write('\r\x1b[K');
      if (message) stream.write(`${message}\n`);
    },
  };
}

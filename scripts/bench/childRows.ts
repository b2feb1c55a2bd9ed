// Rows from a child process: JSON lines on its stdout, each row announced by {"step": "row-start", "row"} first, so
// that when the child dies (a segmentation fault in a driver, say) the row it died in is known. The death becomes
// one {"step": "crash", "backend", "row", "signal"} row and the caller goes on with the next child.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type BenchRow = { step: string } & Record<string, unknown>;

/** Runs `command args`, handing each row to `onRow` as it comes; resolves with all of them, a crash row last. */
export function childRows(backend: string, command: string, args: string[], onRow: (row: BenchRow) => void): Promise<BenchRow[]> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rows: BenchRow[] = [];
  let current: string | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return void console.error(line);
    const row = JSON.parse(line) as BenchRow;
    if (row.step === 'row-start') return void (current = String(row.row));
    current = null;
    rows.push(row);
    onRow(row);
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (code !== 0 || signal) {
        const crash: BenchRow = { step: 'crash', backend, row: current ?? 'setting up', signal, ...(signal ? {} : { exitCode: code }) };
        rows.push(crash);
        onRow(crash);
      }
      resolve(rows);
    });
  });
}

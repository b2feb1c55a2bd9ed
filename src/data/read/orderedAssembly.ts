// Parsed ranges into the assembler in file order, each range's dates first put in the file's slash order. Under
// dateFormat auto a range whose slash dates fit both orders waits, with the ranges after it, until evidence decides
// the order or `lookahead` rows wait (then the order is guessed, and said: dateOrder.ts).
import { DataError } from '../../errors.ts';
import type { SessionBlock } from '../format/block.ts';
import { SessionAssembler } from './assembler.ts';
import { FileDateOrder } from './dateOrder.ts';
import type { RangeRows } from './rangeRows.ts';
import type { ReadCounts, ReadLogOptions } from './readOptions.ts';

export class OrderedAssembly {
  private readonly assembler: SessionAssembler;
  private readonly order: FileDateOrder | null;
  private readonly held: { rows: RangeRows; first: number }[] = [];
  private heldRows = 0;
  /** Lines of the ranges added so far. */
  private lines = 0;

  constructor(
    private readonly label: string,
    fileDay: string | null,
    opts: ReadLogOptions,
    counts: ReadCounts,
    private readonly lookahead: number,
    /** File line number of the first range's first line (the line after the header, once it is read). */
    private readonly firstLine: () => number,
    /** Called after each range is assembled (progress). */
    private readonly report: () => void,
  ) {
    this.assembler = new SessionAssembler(label, fileDay, opts, counts);
    this.order = (opts.dateFormat ?? 'auto') === 'auto' ? new FileDateOrder(label, fileDay, opts.onNotice) : null;
  }

  /**
   * The next range's rows: its finished sessions, as a block, unless it waits for the file's order or `hold`
   * (the file's last range: its sessions go out with the last one, still open until finish()).
   */
  *add(rows: RangeRows, hold = false): Generator<SessionBlock> {
    const first = this.nextLine;
    this.lines += rows.lines;
    const order = this.order;
    if (order) {
      order.see(rows, first);
      if (this.held.length > 0 || order.waits(rows)) {
        if (order.order === null && rows.error === null && this.heldRows + rows.rows <= this.lookahead) {
          this.held.push({ rows, first });
          this.heldRows += rows.rows;
          return;
        }
        if (order.order === null) order.guess(this.nextLine, rows.error !== null);
        yield* this.release();
      }
    }
    this.assemble(rows, first);
    if (hold) return;
    yield* this.taken();
  }

  /** File line number of the next range's first line. */
  get nextLine(): number {
    return this.firstLine() + this.lines;
  }

  /** The end of the file (or of what could be read of it): waiting ranges are read in the default order. */
  *endOfFile(failing: boolean): Generator<SessionBlock> {
    if (this.held.length === 0) return;
    this.order!.guess(-1, failing);
    yield* this.release();
  }

  /** The file's last session, closed. */
  *finish(): Generator<SessionBlock> {
    this.assembler.finish();
    yield* this.taken();
  }

  private *release(): Generator<SessionBlock> {
    for (const h of this.held.splice(0)) {
      this.assemble(h.rows, h.first);
      yield* this.taken();
    }
    this.heldRows = 0;
  }

  /** A range's rows into the assembler (its dates in the file's order), then its error if it has one. */
  private assemble(rows: RangeRows, first: number): void {
    this.order?.resolve(rows);
    this.assembler.add(rows, first);
    if (rows.error) throw new DataError(rows.error.reason, `${this.label}:${first + rows.error.line}`);
  }

  private *taken(): Generator<SessionBlock> {
    this.report();
    const block = this.assembler.take();
    if (block) yield block;
  }
}

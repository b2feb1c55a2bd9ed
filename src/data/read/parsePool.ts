// N parse workers behind one ordered queue: the reading thread decompresses once and hands each worker a byte range
// (its ArrayBuffer transferred, not copied); results come back as promises in submission order, and the range's
// buffer comes back with them to carry a later range (rangeBuffer): a fresh 2 MiB buffer per range was a pass of
// zeroing each, and its external memory drove V8 to a full mark-compact every ~13 ranges. With no workers the
// same RangeParser runs inline. Workers are kept for reuse between reads (starting one costs ~0.4 s of module
// loading), unref'd while idle so they never keep the program alive.
import { availableParallelism } from 'node:os';
import type { DataConfig } from '../format/dataConfig.ts';
import type { DateFormat } from '../format/dates.ts';
import type { HeaderLayout } from './logrow.ts';
import { siblingModule, startWorker } from '../../util/threads.ts';
import { SpareBuffers, spareOrFresh } from '../../util/spareBuffers.ts';
import { RangeParser } from './rangeParser.ts';
import type { RangeRows } from './rangeRows.ts';
import { TrackLookup, type SharedTrackIndex } from './trackIndex.ts';

export interface RangeJob {
  bytes: Uint8Array; // whole lines; its buffer is transferred to the worker
  layout: HeaderLayout;
  dateFormat: DateFormat;
  /** The day in the file's name (dates.ts dayFromFileName): evidence of its slash order under auto. */
  fileDay: string | null;
  tracks: SharedTrackIndex | null;
  unknownCategories: DataConfig['unknownCategories'];
}

/** One parser per layout, date format, track table and unknownCategories, kept from job to job (it caches dates). */
export function parserFor(parsers: Map<string, RangeParser>, job: RangeJob): RangeParser {
  const key = `${job.dateFormat}|${job.layout.positions.join(',')}|${job.layout.width}|${job.tracks?.id ?? 0}|${job.unknownCategories}`;
  let parser = parsers.get(key);
  if (!parser) {
    parser = new RangeParser(job.layout, job.dateFormat, job.tracks ? new TrackLookup(job.tracks) : null, job.unknownCategories);
    parsers.set(key, parser);
  }
  return parser;
}

export type ToParseWorker = { kind: 'range'; job: RangeJob };
export type FromParseWorker = { kind: 'rows'; rows: RangeRows; bytes: ArrayBuffer } | { kind: 'error'; message: string; stack?: string };

/**
 * Parse workers worth starting by default: one per core but one, at most 8. The reading thread needs a core of its
 * own (tar, assembling, handing out sessions) and zlib runs beside it: on 2 cores one worker measured faster than two
 * (again after issue 29 made parsing ~2× cheaper: 0.81–0.90 M rows/s against 0.75–0.81, alternated, with tracks).
 */
export function defaultParseWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

type Parsed = { rows: RangeRows; bytes: ArrayBuffer };
type Pending = { resolve: (r: Parsed) => void; reject: (e: Error) => void };

class ParseWorker {
  readonly worker = startWorker(siblingModule(import.meta.url, 'parseWorker'));
  readonly pending: Pending[] = [];
  failure: Error | null = null;
  /** Called once the last outstanding range is answered. */
  drained: (() => void) | null = null;

  constructor() {
    this.worker.on('message', (m: FromParseWorker) => {
      const p = this.pending.shift();
      if (!p) return;
      if (m.kind === 'rows') p.resolve(m);
      else {
        const e = new Error(`parse worker failed: ${m.message}`);
        e.stack = m.stack;
        p.reject(e);
      }
      if (this.pending.length === 0 && this.drained) {
        const done = this.drained;
        this.drained = null;
        done();
      }
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('a parse worker stopped without finishing')));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
  }

  /** Back to the idle list, or stopped when the list is full or the worker failed. */
  retire(): void {
    if (!this.failure && idle.length < MAX_IDLE && !idle.includes(this)) idle.push(this);
    else void this.worker.terminate();
  }

  submit(job: RangeJob): Promise<Parsed> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage({ kind: 'range', job } satisfies ToParseWorker, [job.bytes.buffer as ArrayBuffer]);
    });
  }
}

const idle: ParseWorker[] = [];
const MAX_IDLE = 8;
/** Bytes parsed on the reading thread before workers are started. */
const INLINE_BYTES = 8 * 1024 * 1024;

/**
 * Ranges parsed by up to `size` worker threads, results in submission order. The first `inlineBytes` are parsed on
 * this thread: small inputs (tests, a day's file) never pay for starting workers. size 0: always inline.
 */
export class ParsePool {
  private readonly workers: ParseWorker[] = [];
  private next = 0;
  private submitted = 0;
  private readonly inline = new Map<string, RangeParser>();
  /** Buffers of parsed ranges (the ranges in flight come back one at a time), for later ranges. */
  private readonly spare = new SpareBuffers(4);

  constructor(
    readonly size: number,
    private readonly inlineBytes = INLINE_BYTES,
  ) {}

  /** The range's rows. Its bytes must come from rangeBuffer: once parsed, their buffer carries a later range. */
  submit(job: RangeJob): Promise<RangeRows> {
    this.submitted += job.bytes.length;
    if (this.size === 0 || this.submitted <= this.inlineBytes) {
      const parser = parserFor(this.inline, job);
      try {
        const rows = parser.parse(job.bytes, 0, job.bytes.length, job.fileDay);
        this.spare.give(job.bytes.buffer as ArrayBuffer); // the rows hold copies of what they need
        return Promise.resolve(rows);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.workers.length < this.size) {
      const w = idle.pop() ?? new ParseWorker();
      w.worker.ref();
      this.workers.push(w);
    }
    const w = this.workers[this.next++ % this.workers.length];
    return w.submit(job).then(({ rows, bytes }) => {
      this.spare.give(bytes);
      return rows;
    });
  }

  /**
   * `bytes` bytes (uninitialised) for a range: on a returned buffer large enough when there is one, else on a fresh
   * buffer of at least `capacity` bytes, so that it can carry later ranges.
   */
  rangeBuffer(bytes: number, capacity: number): Uint8Array {
    return new Uint8Array(spareOrFresh(this.spare, bytes, Infinity, capacity), 0, bytes);
  }

  /** Workers wait for the next read once their outstanding ranges are done (a read that failed or stopped early). */
  close(): void {
    for (const w of this.workers.splice(0)) {
      w.worker.unref();
      if (w.pending.length === 0) w.retire();
      else w.drained = () => w.retire();
    }
  }
}

// Writes TensorBoard event files: `tensorboard --logdir <run folder>` shows the scalars and histograms.
//
// Records are buffered in memory and appended on flush() (the trainer flushes at each log interval and checkpoint).
// A crash can therefore lose the unflushed tail, or cut the last record short mid-write; the reader skips such a
// truncated final record. A resumed run never appends to an old file: it opens a NEW event file in the same folder,
// and TensorBoard (and readScalars) merge the files of a folder in name order, which is creation order.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileError } from '../../util/failures.ts';
import { encodeEvent, DT_FLOAT, type SummaryValue, type TBEvent } from './event.ts';
import { buildHistogram } from './histogram.ts';
import { encodeHParamsPluginData, HPARAMS_PLUGIN, type HParamsPluginData } from './hparams.ts';
import { frameRecord } from './record.ts';

export const FILE_VERSION = 'brain.Event:2';
/** Buffered bytes that start a background write without waiting for flush(). */
const AUTO_FLUSH_BYTES = 1 << 20;

export interface EventWriterOptions {
  /** Seconds since the epoch for each event (tests pass fixed times). */
  wallTime?: () => number;
}

function safeHostname(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
}

/** Create the file exclusively, so a second writer in the same second never overwrites the first one's file. */
async function createEventFile(logdir: string, seconds: number): Promise<{ path: string; handle: FileHandle }> {
  const base = `events.out.tfevents.${seconds}.${safeHostname()}`;
  for (let attempt = 0; ; attempt++) {
    const path = join(logdir, `${base}${attempt === 0 ? '' : `.${attempt}`}`);
    try {
      return { path, handle: await open(path, 'wx') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 1000) throw e;
    }
  }
}

export class EventWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  /** Tags whose plugin metadata is already in this file: TensorBoard needs it on a tag's first event only. */
  private readonly describedTags = new Set<string>();

  private constructor(
    /** The event file this writer appends to. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly wallTime: () => number,
  ) {}

  /** Opens a new event file in `logdir` (created if missing); its first record is the file version. */
  static async create(logdir: string, opts: EventWriterOptions = {}): Promise<EventWriter> {
    const wallTime = opts.wallTime ?? (() => Date.now() / 1000);
    await mkdir(logdir, { recursive: true });
    const now = wallTime();
    const { path, handle } = await createEventFile(logdir, Math.floor(now));
    const writer = new EventWriter(path, handle, wallTime);
    writer.append({ wallTime: now, step: 0, fileVersion: FILE_VERSION });
    await writer.flush();
    return writer;
  }

  private append(event: TBEvent): void {
    if (this.closed) throw new Error(`event writer for ${this.path} is closed`);
    const record = frameRecord(encodeEvent(event));
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.pendingBytes >= AUTO_FLUSH_BYTES) this.startWrite();
  }

  private summary(step: number, value: SummaryValue): void {
    this.append({ wallTime: this.wallTime(), step, summary: [value] });
  }

  /** A scalar as `simple_value` (the classic encoding every TensorBoard version reads). */
  scalar(tag: string, value: number, step: number): void {
    this.summary(step, { tag, simpleValue: value });
  }

  /** A scalar as a DT_FLOAT tensor with the "scalars" plugin, the encoding of tf.summary.scalar in TF 2. */
  tensorScalar(tag: string, value: number, step: number): void {
    const metadata = this.describedTags.has(tag) ? undefined : { pluginName: 'scalars' };
    this.describedTags.add(tag);
    this.summary(step, { tag, tensor: { dtype: DT_FLOAT, shape: [], floatVal: [value], doubleVal: [] }, metadata });
  }

  /**
   * An HParams plugin summary (the experiment, a session's start or its end) at step 0, with the empty float tensor
   * TensorBoard's own writer gives it.
   */
  hparams(tag: string, data: Omit<HParamsPluginData, 'version'>): void {
    const metadata = { pluginName: HPARAMS_PLUGIN, content: encodeHParamsPluginData(data) };
    this.summary(0, { tag, tensor: { dtype: DT_FLOAT, shape: [0], floatVal: [], doubleVal: [] }, metadata });
  }

  /** A histogram of `values` (e.g. a weight matrix); nothing is written when no value is finite. */
  histogram(tag: string, values: ArrayLike<number>, step: number, buckets = 30): void {
    const histo = buildHistogram(values, buckets);
    if (histo) this.summary(step, { tag, histo });
  }

  private startWrite(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        let written = 0;
        while (written < data.length) written += (await this.handle.write(data, written)).bytesWritten;
      } catch (e) {
        this.failure = fileError(e, 'write', this.path); // the handle's error names no file
      }
    });
  }

  /** Appends everything buffered to the file. */
  async flush(): Promise<void> {
    this.startWrite();
    await this.queue;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }
}

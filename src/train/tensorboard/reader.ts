// Reads TensorBoard event files back: for tests, reports and resumed runs' curves.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, UserError } from '../../errors.ts';
import { decodeEvent, DT_DOUBLE, type SummaryValue, type TBEvent, type TensorProto } from './event.ts';
import { decodeHParamsPluginData, HPARAMS_PLUGIN, type HParamsPluginData } from './hparams.ts';
import { parseRecords, type DamagedRecord } from './record.ts';

export interface EventFile {
  events: TBEvent[];
  /** Bytes of a final record cut short (a crash mid-write); they are ignored. */
  truncatedBytes: number;
  /** Records whose bytes do not match their CRC-32C; they are skipped. */
  damaged: DamagedRecord[];
}

/**
 * Decode every intact record of an event file (both CRCs checked; damaged records are skipped and listed); `where`
 * names the file in errors. A record whose CRCs match but which does not decode is an error: a writer's bug.
 */
export function readEventFile(bytes: Uint8Array, where = 'event file'): EventFile {
  const { payloads, truncatedBytes, damaged } = parseRecords(bytes);
  const events = payloads.map((payload, index) => {
    try {
      return decodeEvent(payload);
    } catch (e) {
      throw new DataError(`record ${index}: not a valid Event message (${(e as Error).message})`, where);
    }
  });
  return { events, truncatedBytes, damaged };
}

/** The events of one event file; a truncated final record and damaged records are left out. */
export function readEvents(bytes: Uint8Array): TBEvent[] {
  return readEventFile(bytes).events;
}

/** One warning line about the damaged records of a file. */
function damagedWarning(path: string, damaged: DamagedRecord[]): string {
  const where = damaged.map((d) => `${d.bytes} bytes at byte ${d.offset}`).join(', ');
  return `${path}: skipped records that do not match their CRC-32C (${where}); the points they held are missing from the curves`;
}

export interface ScalarPoint {
  step: number;
  wallTime: number;
  value: number;
}

function tensorScalarValue(t: TensorProto): number | undefined {
  if (t.floatVal.length > 0) return t.floatVal[0];
  if (t.doubleVal.length > 0) return t.doubleVal[0];
  const content = t.tensorContent;
  if (!content) return undefined;
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  if (t.dtype === DT_DOUBLE && content.length >= 8) return view.getFloat64(0, true);
  if (content.length >= 4) return view.getFloat32(0, true);
  return undefined;
}

function scalarOf(value: SummaryValue, scalarTags: Set<string>): number | undefined {
  if (value.simpleValue !== undefined) return value.simpleValue;
  if (!value.tensor) return undefined;
  // The plugin metadata comes with a tag's first event only; later events of the tag are known by the tag.
  if (value.metadata?.pluginName === 'scalars') scalarTags.add(value.tag);
  return scalarTags.has(value.tag) ? tensorScalarValue(value.tensor) : undefined;
}

/** Event files of a run folder (TensorBoard's rule: the name contains "tfevents"). */
async function listEventFiles(logdir: string): Promise<string[]> {
  try {
    return (await readdir(logdir)).filter((name) => name.includes('tfevents'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`no such run folder: ${logdir}`);
    throw e;
  }
}

export interface ReadScalarsOptions {
  /** Told about each file with a truncated final record or damaged records (default: a line on stderr). */
  onWarning?: (message: string) => void;
}

/**
 * Every scalar of a run folder, by tag, in step order, from all its intact records (both scalar encodings). Files are
 * read in name (= creation) order; like TensorBoard, when a resumed run logs a step at or before one already seen
 * for a tag, the older points from that step on are dropped, so a curve shows the run that continued.
 */
export async function readScalars(logdir: string, options: ReadScalarsOptions = {}): Promise<Map<string, ScalarPoint[]>> {
  const warn = options.onWarning ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const names = (await listEventFiles(logdir)).sort();
  const series = new Map<string, ScalarPoint[]>();
  const scalarTags = new Set<string>();
  for (const name of names) {
    const path = join(logdir, name);
    const { events, truncatedBytes, damaged } = readEventFile(await readFile(path), path);
    if (damaged.length > 0) warn(damagedWarning(path, damaged));
    if (truncatedBytes > 0) warn(`${path}: ignored a truncated final record (${truncatedBytes} bytes), probably from a crash`);
    for (const event of events) {
      for (const value of event.summary ?? []) {
        const scalar = scalarOf(value, scalarTags);
        if (scalar === undefined) continue;
        let points = series.get(value.tag);
        if (!points) series.set(value.tag, (points = []));
        if (points.length > 0 && points[points.length - 1].step >= event.step) {
          const keep = points.filter((p) => p.step < event.step);
          points.splice(0, points.length, ...keep);
        }
        points.push({ step: event.step, wallTime: event.wallTime, value: scalar });
      }
    }
  }
  return series;
}

/** The HParams plugin summaries of a run folder, in file and record order, with their tags. */
export async function readHParams(logdir: string): Promise<{ tag: string; data: HParamsPluginData }[]> {
  const out: { tag: string; data: HParamsPluginData }[] = [];
  for (const name of (await listEventFiles(logdir)).sort()) {
    const path = join(logdir, name);
    for (const event of readEventFile(await readFile(path), path).events) {
      for (const value of event.summary ?? []) {
        const content = value.metadata?.pluginName === HPARAMS_PLUGIN ? value.metadata.content : undefined;
        if (content) out.push({ tag: value.tag, data: decodeHParamsPluginData(content) });
      }
    }
  }
  return out;
}

// One way in for every data source: a .tar.gz/.tgz (or .tar) archive read as a stream (never extracted), a folder
// of CSVs (or of Parquet files: readParquet.ts), or a single .csv/.csv.gz/.parquet file. Each becomes a
// sequence of text entries whose bytes are decompressed lazily, so the parsers after this point do not care where the
// bytes came from.
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib';
import tar from 'tar-stream';
import { DataError } from '../../errors.ts';
import { listFilesSorted } from '../../util/files.ts';
import { isParquetName, parquetEntry } from './readParquet.ts';
import { StreamError, type TextEntry } from './textEntry.ts';


/** Larger zlib output chunks mean fewer async hops per megabyte; 16 KiB (the default) costs measurably more. */
const CHUNK = 256 * 1024;
const RUN_AHEAD = 8 * 1024 * 1024;

export function isTextFileName(name: string): boolean {
  return name.endsWith('.csv') || name.endsWith('.csv.gz');
}

export function isTarName(name: string): boolean {
  return name.endsWith('.tar.gz') || name.endsWith('.tgz') || name.endsWith('.tar');
}

/** Entries of `source` whose names end in .csv/.csv.gz (and pass `accept`), in archive order or sorted path order. */
export async function* openEntries(
  source: string,
  accept?: (entryPath: string) => boolean,
): AsyncGenerator<TextEntry> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new DataError('no such file or folder', source);
  }
  if (info.isDirectory()) {
    for (const file of await listFilesSorted(source, (name) => isTextFileName(name) || isParquetName(name))) {
      const path = relative(source, file).split(sep).join('/');
      if (accept && !accept(path)) continue;
      const label = `${source} › ${path}`;
      yield isParquetName(path) ? await parquetEntry(file, path, label) : await fileEntry(file, path, label);
    }
  } else if (isTarName(source)) {
    yield* tarEntries(source, accept);
  } else if (isParquetName(source)) {
    const path = source.split(/[\\/]/).pop()!;
    if (!accept || accept(path)) yield await parquetEntry(source, path, source);
  } else if (isTextFileName(source)) {
    const path = source.split(/[\\/]/).pop()!;
    if (!accept || accept(path)) yield await fileEntry(source, path, source);
  } else {
    throw new DataError('expected a .tar.gz/.tgz archive, a folder of CSV or Parquet files, or a .csv/.csv.gz/.parquet file', source);
  }
}

function explain(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  if (code === 'Z_BUF_ERROR' || msg === 'unexpected end of file') return 'the gzip stream is truncated (unexpected end of file)';
  if (code === 'Z_DATA_ERROR') return `not valid gzip data (${msg})`;
  if (msg.startsWith('Invalid tar header') || msg === 'Invalid header') return 'not a tar archive (invalid tar header), or a corrupt one';
  if (msg === 'Unexpected end of data') return 'the tar archive is truncated (unexpected end of data)';
  return msg;
}

function wrap(e: unknown, where: string): DataError {
  if (e instanceof StreamError) return new StreamError(e.reason, where);
  if (e instanceof DataError) return e;
  return new StreamError(explain(e), where);
}

/** A file read stream and how far it has read (fs.ReadStream counts the bytes itself). */
function countingReadStream(path: string): { stream: ReadStream; read: () => number } {
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  return { stream, read: () => stream.bytesRead };
}

async function* streamBytes(src: AsyncIterable<Buffer>, label: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of src) yield chunk as Buffer;
  } catch (e) {
    throw wrap(e, label);
  }
}

function gunzipOf(input: NodeJS.ReadableStream): Gunzip {
  // zlib works on the thread pool; a deep output buffer lets it run ahead while the main thread parses.
  const gz = createGunzip({ chunkSize: CHUNK, readableHighWaterMark: RUN_AHEAD } as ZlibOptions);
  input.on('error', (e) => gz.destroy(e as Error));
  input.pipe(gz);
  return gz;
}

async function fileEntry(file: string, path: string, label: string): Promise<TextEntry> {
  const size = (await stat(file)).size;
  let read = () => 0;
  // Opened only when iterated, so skipped or unread entries hold no file descriptor.
  async function* bytes(): AsyncGenerator<Buffer> {
    const counted = countingReadStream(file);
    read = counted.read;
    try {
      yield* streamBytes(path.endsWith('.gz') ? gunzipOf(counted.stream) : counted.stream, label);
    } finally {
      counted.stream.destroy();
    }
  }
  return { path, label, bytes: bytes(), sourceBytesRead: () => read(), sourceSize: size };
}

async function* tarEntries(source: string, accept?: (entryPath: string) => boolean): AsyncGenerator<TextEntry> {
  const size = (await stat(source)).size;
  const { stream, read } = countingReadStream(source);
  const extract = tar.extract();
  const fail = (e: unknown) => extract.destroy(wrap(e, source));
  const body: NodeJS.ReadableStream & { destroy(): void } = source.endsWith('.tar') ? stream : gunzipOf(stream);
  body.on('error', fail);
  body.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      if (entry.header.type !== 'file' || !isTextFileName(name) || (accept && !accept(name))) {
        entry.resume();
        continue;
      }
      const label = `${source} › ${name}`;
      // Read the member through its iterator without ever calling return(): ending a tar-stream entry early
      // destroys the whole archive stream, so an unread rest is drained below instead.
      const it = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      let done = false;
      const raw = {
        async *[Symbol.asyncIterator]() {
          while (!done) {
            const r = await it.next();
            if (r.done) done = true;
            else yield r.value;
          }
        },
      };
      const bytes = name.endsWith('.gz')
        ? streamBytes(gunzipOf(readableFrom(raw)), label)
        : streamBytes(raw, label);
      yield { path: name, label, bytes, sourceBytesRead: read, sourceSize: size };
      try {
        while (!done) if ((await it.next()).done) done = true;
      } catch (e) {
        throw wrap(e, label);
      }
    }
  } catch (e) {
    // Errors already placed (in a member, with its label) keep their place; anything else belongs to the archive.
    throw e instanceof DataError ? e : wrap(e, source);
  } finally {
    // A consumer that stops early leaves the pipeline mid-stream: take all of it down, not just the file.
    extract.destroy();
    body.destroy();
    stream.destroy();
  }
}

function readableFrom(src: AsyncIterable<Buffer>): NodeJS.ReadableStream {
  return Readable.from(src, { objectMode: false });
}

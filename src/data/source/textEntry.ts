// One log or track file as the readers see it, whatever it came from (an archive member, a file in a folder, a
// Parquet file), and the failure of its byte stream.
import { DataError } from '../../errors.ts';

export interface TextEntry {
  /** Entry path inside the source (tar member name, path relative to the folder, or the file's own name). */
  path: string;
  /** For messages: "logs.tar.gz › training_set/log_0_20180715_000000000000.csv". */
  label: string;
  /** The entry's decompressed bytes. Read it once; an unread rest is skipped when the next entry is requested. */
  bytes: AsyncIterable<Buffer>;
  /** Bytes of the underlying file read so far (compressed bytes for archives), for progress and throughput. */
  sourceBytesRead: () => number;
  /** Size of the underlying file in bytes. */
  sourceSize: number;
}

/**
 * A failure of the byte stream itself (truncated gzip, not a tar file, unreadable file). `reason` is the bare
 * message so that the line reader can re-raise it with the line it had reached.
 */
export class StreamError extends DataError {
  constructor(
    readonly reason: string,
    where: string,
  ) {
    super(reason, where);
  }
}

// The checksums of a Parquet export: DIR/_checksums.json holds the CRC-32C of every part file, by its path under DIR,
// and the CRC of its own content (util/manifestCrc.ts). Parquet has no checksum a reader must check (page CRCs are
// optional, and hyparquet reads none), and a changed byte in a page can decode to other values without any error; so
// a part file of an export is checked against this file before any of its rows is used. The leading '_' makes Spark,
// pyarrow and DuckDB pass it by, as they pass _SUCCESS.
import { open, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../../errors.ts';
import { crcText } from '../../util/crc32c.ts';
import { fileError } from '../../util/failures.ts';
import { fileCrc32c } from '../../util/fileCrc32c.ts';
import { manifestCrcMatches, withManifestCrc } from '../../util/manifestCrc.ts';

export const EXPORT_CHECKSUMS_NAME = '_checksums.json';
const FORMAT = 'skiptrain-parquet-checksums';
const VERSION = 1;

interface ExportChecksums {
  format: typeof FORMAT;
  version: number;
  /** CRC-32C of each part file, by its path under the export folder (day=YYYY-MM-DD/part-NNNNN.parquet). */
  files: Record<string, number>;
  manifestCrc32c?: number;
}

/** The key of a part file in the checksums: its path under the export folder, two levels up. */
const partKey = (file: string) => `${basename(dirname(file))}/${basename(file)}`;

async function partFileCrc(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    return fileCrc32c(handle.fd);
  } finally {
    await handle.close();
  }
}

/**
 * Writes the checksums of the part files `files` into `tmp`, the temp folder of an export that becomes `out` when
 * renamed (which makes the whole export appear at once: this file needs no atomic write of its own). A failure
 * names the file in `out`, where the user will look for it.
 */
export async function writeExportChecksums(tmp: string, out: string, files: readonly string[]): Promise<void> {
  const crcs: ExportChecksums['files'] = {};
  for (const file of files) crcs[partKey(file)] = await partFileCrc(file);
  const checksums: ExportChecksums = { format: FORMAT, version: VERSION, files: crcs };
  await writeFile(join(tmp, EXPORT_CHECKSUMS_NAME), `${JSON.stringify(withManifestCrc(checksums), null, 1)}\n`).catch((e: unknown) => {
    throw fileError(e, 'write', join(out, EXPORT_CHECKSUMS_NAME));
  });
}

/**
 * Checks a Parquet file that an export wrote (it is listed in the checksums two folders up, beside day=…/) against
 * its CRC-32C; other Parquet files are not checked. A mismatch, or damaged checksums, is a DataError naming the file
 * (`label` for a part) and what to do.
 */
export async function checkExportedPart(file: string, label: string): Promise<void> {
  const path = join(dirname(dirname(file)), EXPORT_CHECKSUMS_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileError(e, 'read', path);
  }
  let checksums: ExportChecksums | undefined;
  try {
    checksums = JSON.parse(text) as ExportChecksums;
  } catch {
    // Reported below as damaged.
  }
  if (checksums?.format !== FORMAT || checksums.version !== VERSION || typeof checksums.files !== 'object' || !manifestCrcMatches(checksums)) {
    throw new DataError(`the checksums of this Parquet export are damaged (their CRC-32C does not match their content): export it again, or delete this file to read the export unchecked`, path);
  }
  const expected = checksums.files[partKey(file)];
  if (expected === undefined) return;
  const actual = await partFileCrc(file);
  if (actual !== expected) {
    throw new DataError(`Parquet file is corrupt (CRC-32C ${crcText(actual)}, ${path} says ${crcText(expected)}): export it again`, label);
  }
}

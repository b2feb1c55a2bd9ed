// A JSON manifest that carries the CRC-32C of its own content, so a damaged manifest is noticed like a damaged data
// file. The CRC covers the manifest as compact JSON, in its own key order, without the field itself. It is checked
// on the parsed object: JSON.stringify gives back exactly the text it wrote from what JSON.parse read of it (key
// order, numbers and strings all round-trip), so the file's indentation does not matter, only its content.
import { crc32c } from './crc32c.ts';

interface WithManifestCrc {
  manifestCrc32c?: number;
}

const contentCrc = (content: object) => crc32c(Buffer.from(JSON.stringify(content), 'utf8'));

/** The manifest with its CRC as the last field (any CRC it had is replaced). */
export function withManifestCrc<T extends object>(manifest: T): T & { manifestCrc32c: number } {
  const { manifestCrc32c: _old, ...content } = manifest as T & WithManifestCrc;
  return { ...content, manifestCrc32c: contentCrc(content) } as T & { manifestCrc32c: number };
}

/** True when the manifest holds a CRC and it matches the content. */
export function manifestCrcMatches(manifest: object): boolean {
  const { manifestCrc32c, ...content } = manifest as WithManifestCrc;
  return manifestCrc32c === contentCrc(content);
}

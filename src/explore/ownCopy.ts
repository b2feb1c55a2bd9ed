// Strings that are kept for the whole pass must not pin the text they were parsed from.

/**
 * A copy of `s` that shares no memory with the string it was cut from. Parsed fields are V8 "sliced strings" that
 * keep their whole source block (hundreds of KB) alive; a sketch that keeps keys from thousands of blocks would
 * otherwise pin gigabytes. Measured on a synthetic archive: without the copy the live heap grew ~14 MB per 5,000
 * sessions; with it, it stays flat.
 */
export function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

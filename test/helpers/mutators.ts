// Byte mutators for the fuzz tests (test/unit/data/fuzz/, config/yamlFuzz, train/manifestFuzz), as fast-check
// arbitraries. A mutation is plain data (where: a number taken modulo the input's size, so it fits any input and
// shrinks to its start) applied by `mutate`; a failing case prints as readable JSON and can be pinned as an example.
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flipByte'; at: number; bit: number }
  | { kind: 'deleteLine'; line: number }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'insertLine'; line: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  /** One field of one line (never the header) replaced by `value`. */
  | { kind: 'retype'; line: number; field: number; value: string }
  /** The header's names re-ordered, the data left as it is. */
  | { kind: 'shuffleHeader'; seed: number }
  /** Every line's fields re-ordered the same way: the file means exactly what it meant. */
  | { kind: 'permuteColumns'; seed: number }
  | { kind: 'empty' };

const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];

/** What gets inserted: CSV syntax, line ends, NUL, a BOM, multi-byte UTF-8, and invalid or cut UTF-8. */
const INSERTS: readonly number[][] = [
  utf8('"'),
  utf8(','),
  utf8('\r'),
  utf8('\n'),
  utf8('\r\n'),
  [0],
  utf8('\uFEFF'),
  utf8('é'),
  utf8('€'),
  utf8('𝄞'),
  [0xff],
  [0xe2, 0x82], // the first two bytes of '€'
  utf8('""'),
  utf8(',,'),
  utf8(' '),
];

/** Values of another type, or at the edges of a column's range. */
const VALUES: readonly string[] = [
  '', '0', '1', '-1', '-0', '1.5', '1e1', '2e1', '20', '21', '23', '24', '65535', '65536', '99999999999',
  '4294967297', 'NaN', 'Infinity', '0x10', ' 1', 'true', 'TRUE', 'False', 'yes', 'abc', '"x"', '2018-07-14',
  '15-07-18', '2018-02-30', '2032-05-25', 'user_collection', 'some_new_value', 'é',
];

const where = fc.nat({ max: 1_000_000 });

/** A replacement value: one of VALUES, any integer or number as JavaScript writes it, or a short random string. */
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()).map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flipByte' as const), at: where, bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteLine' as const), line: where }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicateLine' as const), line: where }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('insertLine' as const), line: where, text: fc.oneof(fc.constantFrom('', ',', '\r', 'x'), fc.string({ maxLength: 30 })) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: where }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: where, bytes: fc.constantFrom(...INSERTS) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('retype' as const), line: where, field: fc.nat({ max: 40 }), value: valueArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shuffleHeader' as const), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('permuteColumns' as const), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);

/** One to three mutations, applied in order. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

const NL = 0x0a;

function splitLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  lines.push(buf.subarray(start)); // '' after a final '\n'
  return lines;
}

const joinLines = (lines: Buffer[]) => Buffer.concat(lines.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from([NL]), l])));

/** A permutation of 0..n-1 from a seed (a small LCG: the same seed gives the same order everywhere). */
function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const permuteFields = (line: Buffer, p: number[]) => {
  const fields = line.toString('latin1').split(',');
  return fields.length === p.length ? Buffer.from(p.map((i) => fields[i]).join(','), 'latin1') : line;
};

/** The content lines (not the final '' after a last '\n'); at least the header. */
const contentCount = (lines: Buffer[]) => Math.max(1, lines.length - (lines[lines.length - 1].length === 0 ? 1 : 0));

export function mutate(input: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case 'flipByte': {
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      out[m.at % out.length] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return input.subarray(0, m.at % (input.length + 1));
    case 'insert': {
      const at = m.at % (input.length + 1);
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes), input.subarray(at)]);
    }
    case 'empty':
      return Buffer.alloc(0);
  }
  const lines = splitLines(input);
  const n = contentCount(lines);
  const k = m.kind === 'shuffleHeader' || m.kind === 'permuteColumns' ? 0 : m.line % n;
  switch (m.kind) {
    case 'deleteLine':
      lines.splice(k, 1);
      break;
    case 'duplicateLine':
      lines.splice(k, 0, lines[k]);
      break;
    case 'insertLine':
      lines.splice(k, 0, Buffer.from(m.text, 'utf8'));
      break;
    case 'retype': {
      if (n < 2) return input;
      const line = 1 + (m.line % (n - 1));
      const fields = lines[line].toString('latin1').split(',');
      fields[m.field % fields.length] = Buffer.from(m.value, 'utf8').toString('latin1');
      lines[line] = Buffer.from(fields.join(','), 'latin1');
      break;
    }
    case 'shuffleHeader':
      lines[0] = permuteFields(lines[0], permutation(lines[0].toString('latin1').split(',').length, m.seed));
      break;
    case 'permuteColumns': {
      const p = permutation(lines[0].toString('latin1').split(',').length, m.seed);
      for (let i = 0; i < n; i++) lines[i] = permuteFields(lines[i], p);
      break;
    }
  }
  return joinLines(lines);
}

export const mutateAll = (input: Buffer, ms: readonly Mutation[]) => ms.reduce(mutate, input);

/** True when every mutation keeps the file's meaning (then the result must equal the original's). */
export const meaningKept = (ms: readonly Mutation[]) => ms.every((m) => m.kind === 'permuteColumns');

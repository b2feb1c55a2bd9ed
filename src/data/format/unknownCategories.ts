// Values outside a categorical column's vocabulary (columns.ts CATEGORICAL_COLUMNS). Under data.unknownCategories
// 'other' the reader keeps mapping them to the "other" slot and counts them here, per column: the rows of the
// sessions handed out (the rows inspect and explore report), and the first few distinct values read as examples, so
// that inspect, explore and train can say so. Under 'error' the first one read stops the read at its line, as a
// malformed field does.
import { CATEGORICAL_COLUMNS, type CategoricalColumn } from './columns.ts';

/** Distinct example values kept per column: enough to recognise a typo or a new value, bounded whatever the data. */
export const UNKNOWN_EXAMPLES = 3;

export interface UnknownCategoryCount {
  rows: number;
  /** The first UNKNOWN_EXAMPLES distinct values read, in file order (a row dropped later may have supplied one). */
  examples: string[];
}

/** Every categorical column, clean ones with 0 rows. */
export type UnknownCategories = Record<CategoricalColumn, UnknownCategoryCount>;

export function newUnknownCategories(): UnknownCategories {
  return Object.fromEntries(CATEGORICAL_COLUMNS.map((c) => [c.column, { rows: 0, examples: [] }])) as unknown as UnknownCategories;
}

/**
 * For each packed categories value (SessionBlock.categories: contextType | reasonStart << 4 | reasonEnd << 8), bit k
 * set where the field of CATEGORICAL_COLUMNS[k] holds the "other" slot: one load per row tells a clean row.
 */
export const OTHER_SLOTS = Uint8Array.from({ length: 1 << (4 * CATEGORICAL_COLUMNS.length) }, (_, packed) =>
  CATEGORICAL_COLUMNS.reduce((bits, c, k) => (((packed >> (4 * k)) & 0xf) === c.vocab.length ? bits | (1 << k) : bits), 0),
);

/** Counts a row handed out whose packed categories hold "other" slots. */
export function countOtherSlots(counts: UnknownCategories, packed: number): void {
  const bits = OTHER_SLOTS[packed];
  for (let k = 0; bits >> k !== 0; k++) if (bits & (1 << k)) counts[CATEGORICAL_COLUMNS[k].column].rows++;
}

/** Keeps `value`, read in CATEGORICAL_COLUMNS[category], as an example while there is room for another distinct one. */
export function addUnknownExample(counts: UnknownCategories, category: number, value: string): void {
  const examples = counts[CATEGORICAL_COLUMNS[category].column].examples;
  if (examples.length < UNKNOWN_EXAMPLES && !examples.includes(value)) examples.push(value);
}

/** Why a value of CATEGORICAL_COLUMNS[category] stops the read under 'error' (the reader adds file and line). */
export function unknownCategoryRefusal(category: number, value: string): string {
  const { column, vocab } = CATEGORICAL_COLUMNS[category];
  return `column '${column}' has '${value}', which is not one of its values (${vocab.join(', ')}); set data.unknownCategories: other to read such values as "other"`;
}

/** Adds another pass's counts (a shard's): rows add, examples are kept in order up to the bound. */
export function mergeUnknownCategories(into: UnknownCategories, from: UnknownCategories): void {
  CATEGORICAL_COLUMNS.forEach(({ column }, k) => {
    into[column].rows += from[column].rows;
    for (const v of from[column].examples) addUnknownExample(into, k, v);
  });
}

/** One phrase per column with unknown values: "800 rows (e.g. 'a', 'b')"; empty when every value was known. */
export function describeUnknownCategories(u: UnknownCategories): { column: CategoricalColumn; text: string }[] {
  return CATEGORICAL_COLUMNS.filter((c) => u[c.column].rows > 0).map(({ column }) => {
    const { rows, examples } = u[column];
    return { column, text: `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} (e.g. ${examples.map((v) => `'${v}'`).join(', ')})` };
  });
}

/** The warning lines of a pass: one per column with values outside its vocabulary. */
export function unknownCategoryWarnings(u: UnknownCategories): string[] {
  return describeUnknownCategories(u).map(
    ({ column, text }) =>
      `warning: column '${column}' has values outside its vocabulary in ${text}: read as "other" (data.unknownCategories: other; set it to error to stop at the first one)`,
  );
}

// The auxiliary targets: outcome columns the model also predicts at every position, each with its loss weight
// (train.auxTargets). model.auxWeight is their shorthand: w spreads as w/4 over the four binary columns, so that
// Σ (w/4)·BCE_k is the auxWeight × mean of the four BCEs the loss always was.
import { LABELS, REASONS_END } from '../data/format/columns.ts';

/** The categorical outcome: which of REASONS_END (or "other") ended the track, a softmax head of its own. */
export const REASON_END_COLUMN = 'hist_user_behavior_reason_end';

/** The binary columns are the labels (batch.auxLabels and the heads' outputs 1..4 in this order), then reason_end. */
export const AUX_COLUMNS = [...LABELS, REASON_END_COLUMN] as const;
export type AuxColumn = (typeof AUX_COLUMNS)[number];

/** The reason-end head's classes: the vocabulary and the "other" slot past its end (columns.ts). */
export const REASON_END_CLASSES = REASONS_END.length + 1;

/** As a config writes it: some of the columns; none named means the shorthand. */
export type AuxTargetMap = Partial<Record<AuxColumn, number>>;

/** Resolved: every column's weight, 0 where it is not a target. */
export type AuxTargets = Readonly<Record<AuxColumn, number>>;

/** The targets of a map (a config's train.auxTargets; absent in configs from before it) or, naming none, of auxWeight. */
export function resolveAuxTargets(map: AuxTargetMap | undefined, auxWeight: number): AuxTargets {
  const named = map !== undefined && Object.keys(map).length > 0;
  const weight = (c: AuxColumn) => (named ? (map[c] ?? 0) : c === REASON_END_COLUMN ? 0 : auxWeight / LABELS.length);
  return Object.fromEntries(AUX_COLUMNS.map((c) => [c, weight(c)])) as AuxTargets;
}

/** A config's targets (any object with a config's model.auxWeight and train.auxTargets). */
export function auxTargetsOf(config: { model: { auxWeight: number }; train: { auxTargets?: AuxTargetMap } }): AuxTargets {
  return resolveAuxTargets(config.train.auxTargets, config.model.auxWeight);
}

/** The four binary columns' weights, in batch.auxLabels order. */
export function binaryAuxWeights(targets: AuxTargets): number[] {
  return LABELS.map((c) => targets[c]);
}

/**
 * Whether the binary heads exist: with any binary weight above 0, all four do (one matrix of 1 + 4 outputs, the
 * layout of every checkpoint before train.auxTargets), a column of weight 0 only learning nothing.
 */
export function hasBinaryHeads(targets: AuxTargets): boolean {
  return binaryAuxWeights(targets).some((w) => w > 0);
}

export function hasReasonEndHead(targets: AuxTargets): boolean {
  return targets[REASON_END_COLUMN] > 0;
}

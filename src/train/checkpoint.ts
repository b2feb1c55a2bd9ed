// Checkpoints: everything needed to continue a run exactly, or to evaluate it.
//
// Layout, inside a run folder:
//   checkpoints/step-00001200/manifest.json   small JSON: step, epoch, batchesInEpoch (position in this epoch's
//                                              data stream), plannedSteps, rngState, metrics, inputFeatures, the
//                                              resolved config, the feature stats, and a table of tensors
//                                              {name, role: weight | adam.m | adam.v, shape, offset, length}
//   checkpoints/step-00001200/tensors.bin     every tensor back to back, float32 little-endian; `offset` is in
//                                              bytes, `length` in floats; manifest.byteLength is the file size
//                                              and manifest.tensorsCrc32c its CRC-32C; manifest.manifestCrc32c is
//                                              the CRC-32C of the manifest's own content (util/manifestCrc.ts)
//   checkpoints/latest                        one line: the folder name of the newest complete checkpoint and
//                                              the CRC-32C of that name ("step-00001200 crc32c=0x…"); a bare
//                                              name (runs from before the CRC) is still followed
// A checkpoint is written into checkpoints/.tmp-…/ and renamed into place only when complete, then `latest` is
// replaced atomically, so a crash at any moment leaves the previous checkpoint intact; leftover .tmp-… folders are
// ignored by readers and removed by the next save. Every read checks both CRCs: a damaged checkpoint is an error
// naming the file (and `--resume` falls back to the newest intact checkpoint before it), never wrong weights. A
// damaged `latest` (or one naming a folder that is gone) is not followed: the newest complete checkpoint is used,
// with a warning, since a pointer changed into another existing step would otherwise load other weights silently.
// Version 1 checkpoints (before the CRCs) still load, unchecked, with a note once per run.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULTS, type Config, type TrainConfig } from '../config/schema.ts';
import { TRACK_KEY_NAME, type TrackTableFingerprint } from '../data/format/trackKey.ts';
import type { FeatureStats } from '../data/format/types.ts';
import { UserError } from '../errors.ts';
import { fileError } from '../util/failures.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { crc32c, crcText } from '../util/crc32c.ts';
import { manifestCrcMatches, withManifestCrc } from '../util/manifestCrc.ts';
import { tellOnce, toStderr } from '../util/tellOnce.ts';
import type { AdamState } from './optimizer.ts';
import type { SkipModel } from '../models/model.ts';
import { auxTargetsOf } from '../models/auxTargets.ts';

export const CHECKPOINT_FORMAT = 'skiptrain-checkpoint';
/** 2: CRC-32C of tensors.bin and of the manifest. Version 1 (no CRCs) is still read, unchecked. */
export const CHECKPOINT_VERSION = 2;
const UNCHECKED_VERSION = 1;

/** Where training stood when the checkpoint was taken (everything but the tensors). */
export interface TrainingPosition {
  step: number;
  epoch: number;
  /** Batches of `epoch` already trained on; a resume skips this many. */
  batchesInEpoch: number;
  plannedSteps: number;
  /** State of the trainer's Rng (dropout seeds), so a resume draws the same ones. */
  rngState: number;
  /** Validation metrics measured at this very step ({} when none was run): used to keep the best checkpoints. */
  metrics: Record<string, number>;
}

interface TensorEntry {
  name: string;
  role: 'weight' | 'adam.m' | 'adam.v';
  shape: number[];
  offset: number;
  length: number;
}

export interface CheckpointManifest extends TrainingPosition {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  createdAt: string;
  inputFeatures: number;
  adamStep: number;
  config: Config;
  stats: FeatureStats;
  /** How tracks were keyed for the embedding (TRACK_KEY_NAME); absent in checkpoints that keyed by table row. */
  trackKey?: string;
  /** The track table the run trained with, so evaluate/predict can tell when they are given another. */
  trackTable?: TrackTableFingerprint;
  tensors: TensorEntry[];
  byteLength: number;
  /** CRC-32C of tensors.bin (absent in version 1). */
  tensorsCrc32c?: number;
  /** CRC-32C of this manifest's content (absent in version 1). */
  manifestCrc32c?: number;
}

/** A checkpoint whose files are damaged or incomplete (not merely of another kind): `--resume` falls back past it. */
export class CheckpointCorruptError extends UserError {
  constructor(
    readonly file: string,
    readonly problem: string,
    advice: string,
  ) {
    super(`${file}: ${problem}; ${advice}`);
  }
}

export interface CheckpointContents {
  path: string;
  manifest: CheckpointManifest;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
  optimizer: AdamState;
}

export type RetentionPolicy = Pick<TrainConfig, 'keepLast' | 'keepBest' | 'bestMetric'>;

/** How the checkpoint writer opens its files: a seam for tests that drive it into a failing file system. */
export const checkpointFiles = { open };

const STEP_DIGITS = 8;
export const checkpointName = (step: number) => `step-${String(step).padStart(STEP_DIGITS, '0')}`;
const isCheckpointName = (name: string) => /^step-\d+$/.test(name);
const stepOfName = (name: string) => (isCheckpointName(name) ? Number(name.slice('step-'.length)) : undefined);
export const checkpointsDir = (runFolder: string) => join(runFolder, 'checkpoints');

/**
 * Writes a checkpoint of `weights` and `optimizer` into <runFolder>/checkpoints/, points `latest` at it and applies
 * the retention policy. Returns the checkpoint's folder.
 */
export async function saveCheckpoint(
  runFolder: string,
  contents: {
    position: TrainingPosition;
    config: Config;
    stats: FeatureStats;
    trackTable?: TrackTableFingerprint;
    inputFeatures: number;
    weights: ReadonlyMap<string, tf.Variable>;
    optimizer: AdamState;
  },
  retention: RetentionPolicy,
): Promise<string> {
  if (endianness() !== 'LE') throw new Error('checkpoints are little-endian; this machine is big-endian');
  const dir = checkpointsDir(runFolder);
  await mkdir(dir, { recursive: true });
  await removeLeftovers(dir);

  const tensors: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, role: TensorEntry['role'], shape: number[], values: Float32Array) => {
    tensors.push({ name, role, shape, offset, length: values.length });
    chunks.push(values);
    offset += values.byteLength;
  };
  for (const [name, variable] of contents.weights) {
    add(name, 'weight', variable.shape, Float32Array.from((await variable.data()) as Float32Array));
    add(name, 'adam.m', variable.shape, contents.optimizer.m.get(name) ?? new Float32Array(variable.size));
    add(name, 'adam.v', variable.shape, contents.optimizer.v.get(name) ?? new Float32Array(variable.size));
  }
  const data = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    ...contents.position,
    inputFeatures: contents.inputFeatures,
    adamStep: contents.optimizer.step,
    config: contents.config,
    stats: contents.stats,
    trackKey: TRACK_KEY_NAME,
    ...(contents.trackTable ? { trackTable: contents.trackTable } : {}),
    tensors,
    byteLength: offset,
    tensorsCrc32c: crc32c(data),
  };

  const name = checkpointName(contents.position.step);
  const tmp = join(dir, `.tmp-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  const final = join(dir, name);
  try {
    await mkdir(tmp);
    await writeSynced(join(tmp, 'tensors.bin'), data);
    await writeSynced(join(tmp, 'manifest.json'), JSON.stringify(withManifestCrc(manifest), null, 1));
  } catch (e) {
    // A full disk: the half-written checkpoint goes now, not at the next save (there may be none).
    await rm(tmp, { recursive: true, force: true });
    throw fileError(e, 'write', final);
  }
  if (existsSync(final)) {
    // Same step saved twice (a periodic save that is also the epoch end): move the old one aside first, since a
    // folder cannot be renamed over a non-empty one.
    const aside = join(dir, `.tmp-replaced-${name}-${process.pid}`);
    await rename(final, aside);
    await rename(tmp, final);
    await rm(aside, { recursive: true, force: true });
  } else {
    await rename(tmp, final);
  }
  await writeFileAtomic(join(dir, LATEST_NAME), latestLine(name));
  await applyRetention(dir, retention);
  return final;
}

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await checkpointFiles.open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeLeftovers(dir: string): Promise<void> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.tmp-') || (name.startsWith('.latest.') && name.endsWith('.tmp'))) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** True when `a` is a better value of `metric` than `b` (loss: lower; accuracies: higher). */
export function isBetter(metric: string, a: number, b: number): boolean {
  return metric.endsWith('loss') ? a < b : a > b;
}

/** Deletes checkpoints that are neither among the last `keepLast`, the best `keepBest`, nor `latest`. */
export async function applyRetention(dir: string, policy: RetentionPolicy): Promise<string[]> {
  const all = listCheckpoints(dir);
  const keep = new Set<string>();
  all.slice(-Math.max(1, policy.keepLast)).forEach((c) => keep.add(c.name));
  const scored = all.filter((c) => Number.isFinite(c.metrics[policy.bestMetric]));
  scored.sort((a, b) => {
    const [x, y] = [a.metrics[policy.bestMetric], b.metrics[policy.bestMetric]];
    return x === y ? b.step - a.step : isBetter(policy.bestMetric, x, y) ? -1 : 1;
  });
  scored.slice(0, Math.max(0, policy.keepBest)).forEach((c) => keep.add(c.name));
  const latest = readLatestPointer(dir);
  if ('name' in latest) keep.add(latest.name);
  const removed: string[] = [];
  for (const c of all) {
    if (keep.has(c.name)) continue;
    await rm(join(dir, c.name), { recursive: true, force: true });
    removed.push(c.name);
  }
  return removed;
}

/** Complete checkpoints in a checkpoints folder, oldest first, with the metrics recorded in each. */
export function listCheckpoints(dir: string): { name: string; path: string; step: number; metrics: Record<string, number> }[] {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    if (!isCheckpointName(name)) continue;
    const path = join(dir, name);
    try {
      const manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as CheckpointManifest;
      out.push({ name, path, step: manifest.step, metrics: manifest.metrics ?? {} });
    } catch {
      // Not a complete checkpoint (cannot normally happen, since folders are renamed in only when complete).
    }
  }
  return out.sort((a, b) => a.step - b.step);
}

const LATEST_NAME = 'latest';
const nameCrc = (name: string) => crcText(crc32c(Buffer.from(name, 'utf8')));
const latestLine = (name: string) => `${name} crc32c=${nameCrc(name)}\n`;

/** What `latest` says: a checkpoint name, nothing (no pointer yet), or why it cannot be followed. */
type LatestPointer = { name: string } | { missing: true } | { damaged: string };

function readLatestPointer(dir: string): LatestPointer {
  const pointer = join(dir, LATEST_NAME);
  if (!existsSync(pointer)) return { missing: true };
  const text = readFileSync(pointer, 'utf8').trim();
  const m = /^(step-\d+)(?: crc32c=(0x[0-9a-f]{8}))?$/.exec(text);
  if (!m) return { damaged: `it is damaged (${JSON.stringify(text.slice(0, 40))} is not a checkpoint name)` };
  const [, name, crc] = m;
  if (crc !== undefined && crc !== nameCrc(name)) return { damaged: 'it is damaged (its CRC-32C does not match the name it holds)' };
  if (!existsSync(join(dir, name))) return { damaged: `it names ${name}, which is not there` };
  return { name };
}

/**
 * Finds the checkpoint folder meant by a path: a checkpoint folder itself, a run folder, or a run's checkpoints
 * folder (then `latest`, or the newest complete checkpoint when the pointer is missing; when it is damaged too,
 * which `log` hears once).
 */
export function resolveCheckpoint(path: string, log: (line: string) => void = toStderr): string {
  if (!existsSync(path)) throw new UserError(`${path}: no such run folder or checkpoint`);
  if (existsSync(join(path, 'manifest.json'))) return path;
  const dir = existsSync(join(path, 'checkpoints')) ? join(path, 'checkpoints') : path;
  const latest = readLatestPointer(dir);
  if ('name' in latest) return join(dir, latest.name);
  const all = listCheckpoints(dir);
  if (!all.length) {
    // An experiment folder (checkpoints/<experiment>) holds runs: say which, rather than guess.
    const runs = readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(path, e.name, 'config.yaml')))
      .map((e) => e.name)
      .sort();
    if (runs.length) throw new UserError(`${path} is an experiment folder: name one of its runs, e.g. ${join(path, runs[runs.length - 1])} (runs: ${runs.join(', ')})`);
    throw new UserError(`${path}: no checkpoint found (expected ${join(dir, LATEST_NAME)} or a step-… folder)`);
  }
  const newest = all[all.length - 1].path;
  if ('damaged' in latest) {
    tellOnce(log, `damaged pointer ${dir}`, `warning: ${join(dir, LATEST_NAME)}: ${latest.damaged}; using the newest complete checkpoint, ${newest}`);
  }
  return newest;
}

/**
 * Reads and checks a checkpoint (any path resolveCheckpoint accepts): a damaged one is a CheckpointCorruptError
 * naming the file; one of version 1 is read unchecked and `log` hears so once.
 */
export async function readCheckpoint(path: string, log: (line: string) => void = toStderr): Promise<CheckpointContents> {
  const folder = resolveCheckpoint(path, log);
  const manifestPath = join(folder, 'manifest.json');
  const binPath = join(folder, 'tensors.bin');
  const corrupt = (file: string, problem: string) => new CheckpointCorruptError(file, problem, adviceFor(folder));
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw corrupt(manifestPath, `unreadable checkpoint manifest (${(e as Error).message})`);
  }
  if (manifest?.format !== CHECKPOINT_FORMAT || (manifest.version !== CHECKPOINT_VERSION && manifest.version !== UNCHECKED_VERSION)) {
    throw new UserError(`${manifestPath}: not a ${CHECKPOINT_FORMAT} v${UNCHECKED_VERSION} or v${CHECKPOINT_VERSION} manifest`);
  }
  // A manifest that holds a CRC is checked whatever its version says, so a damaged version number cannot skip it.
  const checked = manifest.version !== UNCHECKED_VERSION || manifest.manifestCrc32c !== undefined;
  if (checked && !manifestCrcMatches(manifest)) throw corrupt(manifestPath, 'checkpoint manifest is corrupt (its CRC-32C does not match its content)');
  if (!checked) {
    tellOnce(
      log,
      'unchecked checkpoint',
      `note: ${folder} is a version ${UNCHECKED_VERSION} checkpoint (written before checkpoints carried CRC-32C checksums): ` +
        'read without verification (said once per run)',
    );
    tellOnce(
      log,
      'old last-track input',
      `note: ${folder} was trained while the "last track" input also marked position 20 of 20-track sessions; it now ` +
        'marks only sessions that surely end there, so this model sees 0 at position 20 (said once per run)',
    );
  }
  const damage = tensorTableDamage(manifest);
  if (damage) throw corrupt(manifestPath, `checkpoint manifest is damaged (${damage})`);
  // Model keys added after the checkpoint was written default to the model it was (model.cell: lstm, no decoder
  // extras), so it resumes and loads as that model.
  manifest.config.model = { ...DEFAULTS.model, ...manifest.config.model };
  if (manifest.config.model.trackBuckets > 0 && manifest.trackKey !== TRACK_KEY_NAME) {
    throw new UserError(
      `${manifestPath}: this checkpoint's track embedding is keyed by the row of the track table (an older skiptrain), ` +
        'so its embeddings cannot be matched to track ids; train it again with this version',
    );
  }
  if (!existsSync(binPath)) throw corrupt(binPath, 'checkpoint data file is missing');
  const size = statSync(binPath).size;
  if (size !== manifest.byteLength) {
    throw corrupt(binPath, `checkpoint data is truncated or corrupt (${size} bytes, manifest says ${manifest.byteLength})`);
  }
  const bytes = await readFile(binPath);
  if (checked) {
    const crc = crc32c(bytes);
    if (crc !== manifest.tensorsCrc32c) {
      throw corrupt(binPath, `checkpoint data is corrupt (CRC-32C ${crcText(crc)}, the manifest says ${crcText(manifest.tensorsCrc32c ?? 0)})`);
    }
  }
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  const optimizer: AdamState = { step: manifest.adamStep, m: new Map(), v: new Map() };
  for (const entry of manifest.tensors) {
    // Copy into a fresh, aligned buffer: Buffer slices may start at any byte.
    const values = new Float32Array(entry.length);
    new Uint8Array(values.buffer).set(bytes.subarray(entry.offset, entry.offset + entry.length * 4));
    if (entry.role === 'weight') weights.set(entry.name, { shape: entry.shape, values });
    else (entry.role === 'adam.m' ? optimizer.m : optimizer.v).set(entry.name, values);
  }
  return { path: folder, manifest, weights, optimizer };
}

const ROLES: readonly string[] = ['weight', 'adam.m', 'adam.v'];
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** What the manifest lacks to be read (a version 1 manifest has no CRC to vouch for it), or null. */
function tensorTableDamage(m: CheckpointManifest): string | null {
  if (typeof m.config?.model !== 'object' || m.config.model === null) return 'no model config';
  if (!isCount(m.byteLength) || !isCount(m.adamStep) || !Array.isArray(m.tensors)) return 'no byteLength, adamStep or tensor table';
  for (const t of m.tensors) {
    const fits =
      typeof t?.name === 'string' && ROLES.includes(t.role) && Array.isArray(t.shape) && t.shape.every(isCount) &&
      t.shape.reduce((a, b) => a * b, 1) === t.length && isCount(t.offset) && isCount(t.length) && t.offset + 4 * t.length <= m.byteLength;
    if (!fits) return `tensor entry ${JSON.stringify(t)}`;
  }
  return null;
}

/** The complete checkpoints of the same run before a checkpoint folder, oldest first (none for a folder elsewhere). */
function checkpointsBefore(folder: string) {
  const step = stepOfName(basename(folder));
  return step === undefined ? [] : listCheckpoints(dirname(folder)).filter((c) => c.step < step);
}

/** What to do about a damaged checkpoint: use the run's newest checkpoint before it, when there is one. */
function adviceFor(folder: string): string {
  const earlier = checkpointsBefore(folder);
  return earlier.length
    ? `the file was damaged after it was written: use the run's previous checkpoint, ${earlier[earlier.length - 1].path} (train --resume falls back to it by itself), or restore this one from a backup`
    : 'the file was damaged after it was written: restore it from a backup, or train again';
}

/**
 * The checkpoint to resume from: `folder`, or — when it is damaged — the newest intact checkpoint before it in the
 * same run, said in one line (resuming from an earlier step continues the run just as exactly; it redoes the steps
 * since). When none is intact, the error of `folder` itself.
 */
export async function readResumableCheckpoint(folder: string, log: (line: string) => void): Promise<CheckpointContents> {
  try {
    return await readCheckpoint(folder, log);
  } catch (e) {
    if (!(e instanceof CheckpointCorruptError)) throw e;
    for (const candidate of checkpointsBefore(folder).reverse()) {
      try {
        const contents = await readCheckpoint(candidate.path, log);
        log(`warning: ${e.file}: ${e.problem}; resuming from ${candidate.path}, the newest intact checkpoint before it`);
        return contents;
      } catch (older) {
        if (!(older instanceof CheckpointCorruptError)) throw older;
      }
    }
    throw e;
  }
}

/** Copies checkpoint weights into a model's variables; names and shapes must match exactly. */
export function assignWeights(
  target: ReadonlyMap<string, tf.Variable>,
  weights: CheckpointContents['weights'],
  where: string,
): void {
  const missing = [...target.keys()].filter((k) => !weights.has(k));
  const extra = [...weights.keys()].filter((k) => !target.has(k));
  if (missing.length || extra.length) {
    throw new UserError(
      `${where}: checkpoint weights do not match the model (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})`,
    );
  }
  for (const [name, variable] of target) {
    const { shape, values } = weights.get(name)!;
    if (shape.join('x') !== variable.shape.join('x')) {
      throw new UserError(`${where}: weight '${name}' has shape [${shape}] in the checkpoint but [${variable.shape}] in the model`);
    }
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, 'float32')));
  }
}

export interface LoadedCheckpoint {
  config: Config;
  stats: FeatureStats;
  model: SkipModel;
  step: number;
  epoch: number;
  /** The checkpoint folder that was read. */
  path: string;
  metrics: Record<string, number>;
  /** The track table the run trained with (absent in older checkpoints). */
  trackTable?: TrackTableFingerprint;
}

/**
 * A trained model ready to use (for evaluate/predict): a run folder → its latest checkpoint, or a checkpoint folder.
 * The model is built from the checkpoint's own config and its weights are set from the checkpoint.
 */
export async function loadCheckpoint(runFolderOrCheckpoint: string, log: (line: string) => void = toStderr): Promise<LoadedCheckpoint> {
  const contents = await readCheckpoint(runFolderOrCheckpoint, log);
  const { manifest } = contents;
  // Loaded lazily: reading and rotating checkpoints does not need the model code.
  const { createModel } = await import('../models/model.ts');
  const model = createModel(manifest.config.model, manifest.inputFeatures, manifest.config.train.seed, auxTargetsOf(manifest.config));
  assignWeights(model.weights, contents.weights, contents.path);
  return {
    config: manifest.config,
    stats: manifest.stats,
    model,
    step: manifest.step,
    epoch: manifest.epoch,
    path: contents.path,
    metrics: manifest.metrics,
    trackTable: manifest.trackTable,
  };
}

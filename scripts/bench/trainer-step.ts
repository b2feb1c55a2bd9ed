// The trainer's own step, timed: the model built from a shipped config with the real input width, the trainer's
// Adam, clipping, auxiliary and known-half losses, on one thread (trainStep) or on gradient workers (the same
// Stepper `train` uses). Also how busy each thread is while stepping: the trainer's thread (batch tensors, weight
// sharing, gradient sum, Adam) and each worker (forward + backward of its slice).
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { knownRows } from '../../src/data/challenge.ts';
import { inputFeatureCount } from '../../src/data/features.ts';
import type { Batch } from '../../src/data/types.ts';
import { createModel } from '../../src/models/model.ts';
import { Adam } from '../../src/train/optimizer.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { createStepper } from '../../src/train/workers/stepper.ts';
import { Rng } from '../../src/util/rng.ts';

export interface TrainerRow {
  model: string;
  step: 'trainer';
  backend: string;
  batch: number;
  seqLen: number;
  features: number;
  hidden: number;
  workers: number;
  seqPerSec: number;
}

export interface BusyRow {
  model: string;
  step: 'trainer-busy';
  backend: string;
  batch: number;
  hidden: number;
  workers: number;
  /** Fraction of wall time each thread spent stepping: [trainer thread, worker 1, …] (wall clock, so a loaded
   * machine inflates it). The trainer thread's share includes its slice, the weight copy, gradient sum and Adam. */
  busy: number[];
  /** CPU time of the whole process (every thread) per sequence, µs: what parallelism costs in work, which a loaded
   * machine distorts far less than wall-clock throughput. */
  cpuUsPerSeq: number;
}

/** The shapes measured: the reference H=64 at B=64 and 512, and each shipped synth config as it is. */
export function trainerShapes(): { name: string; config: Config }[] {
  const out: { name: string; config: Config }[] = [];
  for (const type of ['lstm', 'transformer'] as const) {
    const shipped = loadConfig(`${type}-synth`);
    for (const B of [64, 512]) out.push({ name: type, config: loadConfig(`${type}-synth`, { 'model.hidden': 64, 'train.batchSize': B }) });
    if (shipped.model.hidden !== 64 || shipped.train.batchSize !== 64) out.push({ name: type, config: shipped });
  }
  return out;
}

/** A challenge-view batch with random lengths (10–20), the first ⌊L/2⌋ rows known and the rest scored (also a test fixture). */
export function challengeBatch(B: number, T: number, trackRows: number, seed = 2): Batch {
  const rng = Rng.derive(seed, 'bench-trainer-batch');
  const F = inputFeatureCount();
  const lengths = new Int32Array(B).map(() => 10 + rng.int(T - 9));
  const at = (i: number) => ({ t: i % T, len: lengths[Math.floor(i / T)] });
  const present = new Float32Array(B * T).map((_, i) => (at(i).t < at(i).len ? 1 : 0));
  const known = present.map((p, i) => (at(i).t < knownRows(at(i).len) ? p : 0));
  const bits = (n: number) => new Float32Array(n).map(() => (rng.next() < 0.5 ? 1 : 0));
  return {
    size: B,
    seqLen: T,
    features: F,
    inputs: new Float32Array(B * T * F).map(() => rng.normal()),
    trackIndex: new Int32Array(B * T).map((_, i) => (present[i] ? rng.int(trackRows) : -1)),
    mask: present.map((p, i) => p * (1 - known[i])),
    labels: bits(B * T),
    auxLabels: bits(B * T * 4),
    present,
    known,
    sessionIds: Array.from({ length: B }, (_, b) => `s${b}`),
    lengths,
  };
}

/** Worker counts to measure: 1, 2, 4, … up to the cores (at least 1 and 2). */
export function workerCounts(): number[] {
  const out = [1];
  for (let n = 2; n <= Math.max(2, availableParallelism()); n *= 2) out.push(n);
  return out;
}

export async function measureTrainerStep(
  name: string,
  config: Config,
  backend: string,
  workers: number,
  budgetMs: number,
): Promise<[TrainerRow, BusyRow]> {
  const T = 20;
  const t = config.train;
  const B = t.batchSize;
  const model = createModel(config.model, inputFeatureCount(), t.seed);
  const optimizer = new Adam(model.weights, { weightDecay: t.weightDecay });
  const stepper = await createStepper(model, optimizer, workers);
  const batch = challengeBatch(B, T, config.data.synth.tracks);
  let n = 0;
  const step = () =>
    stepper.step(batch, { lr: learningRate(n, t, 10_000), clipNorm: t.clipNorm, auxWeight: config.model.auxWeight, knownWeight: t.knownWeight, dropoutSeed: n++ });
  try {
    await step(); // warm-up: kernel setup, Adam slots, heap growth, worker start
    await step();
    let steps = 0;
    const busyStart = stepper.busyMs();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    while (steps < 3 || performance.now() - start < budgetMs) {
      await step();
      steps++;
    }
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const cpuUsPerSeq = Math.round((cpu.user + cpu.system) / (B * steps));
    const busy = stepper.busyMs().map((ms, k) => Number(((ms - busyStart[k]) / wall).toFixed(2)));
    const common = { model: name, backend, batch: B, hidden: config.model.hidden, workers: stepper.workers };
    return [
      { model: name, step: 'trainer', backend, batch: B, seqLen: T, features: inputFeatureCount(), hidden: config.model.hidden, workers: stepper.workers, seqPerSec: Math.round((B * steps * 1000) / wall) },
      { ...common, step: 'trainer-busy', busy, cpuUsPerSeq },
    ];
  } finally {
    await stepper.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

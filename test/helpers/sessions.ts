// Small random sessions and track tables built in memory, for tests of encoding and batching.
import { DEFAULTS, type Config } from '../../src/config/schema.ts';
import { TRACK_FEATURES, CONTEXT_TYPES, REASONS_END, REASONS_START } from '../../src/data/format/columns.ts';
import type { FeatureStats, LogRow, Session, TrackTable } from '../../src/data/format/types.ts';
import { makeNormaliser } from '../../src/data/batch/features.ts';
import { defaultBatchEncoder } from '../../src/data/batch/nativeEncoder.ts';
import type { DataContext } from '../../src/data/batch/batches.ts';
import { blockOfSessions } from '../../src/data/format/block.ts';
import { Rng } from '../../src/util/rng.ts';

export function randomTracks(n: number, rng: Rng): TrackTable {
  const width = TRACK_FEATURES.length;
  const features = new Float32Array(n * width);
  for (let i = 0; i < features.length; i++) features[i] = rng.normal() * 2 + 1;
  const ids = Array.from({ length: n }, (_, i) => `t_${i}`);
  return { ids, index: new Map(ids.map((id, i) => [id, i])), features, width };
}

export function randomRow(rng: Rng, position: number, trackId: string, date = '2018-07-15'): LogRow {
  const skip2 = rng.bernoulli(0.5);
  return {
    position,
    trackId,
    skip1: skip2 && rng.bernoulli(0.8),
    skip2,
    skip3: skip2 || rng.bernoulli(0.3),
    notSkipped: !skip2 && rng.bernoulli(0.7),
    contextSwitch: rng.bernoulli(0.05),
    noPause: rng.bernoulli(0.7),
    shortPause: rng.bernoulli(0.2),
    longPause: rng.bernoulli(0.2),
    seekFwd: rng.int(4),
    seekBack: rng.int(3),
    shuffle: rng.bernoulli(0.3),
    hour: rng.int(24),
    date,
    premium: rng.bernoulli(0.8),
    contextType: rng.int(CONTEXT_TYPES.length),
    reasonStart: rng.int(REASONS_START.length),
    reasonEnd: rng.int(REASONS_END.length),
  };
}

export function randomSessions(n: number, tracks: TrackTable, rng: Rng, day = '2018-07-15'): Session[] {
  return Array.from({ length: n }, (_, s) => {
    const length = 10 + rng.int(11);
    const rows = Array.from({ length }, (_, t) => randomRow(rng, t + 1, tracks.ids[rng.int(tracks.ids.length)], day));
    return { id: `0_s${s}`, day, length, rows, source: `memory:${s}` };
  });
}

export function statsOf(tracks: TrackTable): FeatureStats {
  const w = tracks.width;
  const mean = new Array(w).fill(0);
  const sq = new Array(w).fill(0);
  const n = tracks.ids.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) mean[j] += tracks.features[i * w + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) sq[j] += (tracks.features[i * w + j] - mean[j]) ** 2 / n;
  return {
    mean,
    std: sq.map(Math.sqrt),
    vocab: { contextType: {}, reasonStart: {}, reasonEnd: {} },
    rows: 0,
    sessions: 0,
    skipRateByPosition: new Array(20).fill(0.5),
  };
}

/** A context for sessions held in memory: batches come from sessionsToBatch, and its logs are `sessions` (default none). */
export function memoryContext(tracks: TrackTable, patch: (c: Config) => void = () => {}, sessions: Session[] = []): DataContext {
  const config: Config = structuredClone(DEFAULTS);
  patch(config);
  const stats = statsOf(tracks);
  const source = async function* () {
    if (sessions.length) yield blockOfSessions(sessions, tracks, 'memory');
  };
  return { config, tracks, stats, norm: makeNormaliser(stats), source, encoder: defaultBatchEncoder() };
}

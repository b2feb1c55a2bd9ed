// The dataset study as one streaming pass: every analysis keeps bounded state (counts, running moments, sketches,
// a bounded session sample), sessions are seen once, and `finish` turns the state into the numbers the report shows.
// `state`/`merge` carry that state between the shards of a sharded pass (`explore --shard I/N`, `skiptrain merge`).
import type { Session, TrackTable } from '../data/format/types.ts';
import { DEFAULT_EXPLORE_OPTIONS, type ExploreOptions } from './exploreOptions.ts';
import { mergeUnknownCategories, newUnknownCategories, type UnknownCategories } from '../data/format/unknownCategories.ts';
import { CovarianceAccumulator } from './covariance.ts';
import { featureMemory, LagCorrelations, type LagCorrelation } from './featureMemory.ts';
import { FeatureHistograms, type FeatureHistogram } from './histograms.ts';
import { pcAlgorithm, type PcResult } from './pc.ts';
import { SessionSample, type SampledSession, type SessionSampleState } from './sessionSample.ts';
import { SkipRateAggregator, type SkipRateState, type SkipRateSummary } from './skipRates.ts';
import { featureColumns, SCATTER_FEATURES, STUDIED_FEATURES } from './studiedFeatures.ts';
import { TransitionCounter, type TransitionState, type TransitionSummary } from './transitions.ts';


export interface ExploreResult {
  meta: {
    sessions: number;
    rows: number;
    /** Rows whose track is not in the track table (no features: left out of the feature analyses). */
    unknownTrackRows: number;
    /** Rows per categorical column whose value is outside its vocabulary (counted as "other" by the skip rates). */
    unknownCategories: UnknownCategories;
    sampleSessions: number;
    sampleRows: number;
    options: ExploreOptions;
  };
  overall: SkipRateSummary['overall'];
  skipRateByPosition: SkipRateSummary['byPosition'];
  skipRateByHour: SkipRateSummary['byHour'];
  skipRateByWeekday: SkipRateSummary['byWeekday'];
  skipRateByDate: SkipRateSummary['byDate'];
  skipRateByContextType: SkipRateSummary['byContextType'];
  skipRateByPremium: SkipRateSummary['byPremium'];
  skipRateByShuffle: SkipRateSummary['byShuffle'];
  skipRateByReasonStart: SkipRateSummary['byReasonStart'];
  transitions: TransitionSummary;
  featureMemory: Record<string, LagCorrelation[]>;
  histograms: FeatureHistogram[];
  scatter: { features: string[]; points: Record<string, number | boolean>[]; correlation: number[][] };
  pc: PcResult & { alpha: number; maxCond: number; dropped: string[]; note?: string };
}

/** What a shard's pass leaves for the merge: every analysis's state, each merged by the rule next to its class. */
export interface ExplorePartial {
  sessions: number;
  rows: number;
  unknownTrackRows: number;
  unknownCategories: UnknownCategories;
  skipRates: SkipRateState;
  transitions: TransitionState;
  lagCorrelations: number[][];
  histograms: number[];
  sample: SessionSampleState;
}

export class ExploreAccumulator {
  private readonly skipRates = new SkipRateAggregator();
  private readonly transitions: TransitionCounter;
  private readonly lagCorrelations: LagCorrelations;
  private readonly histograms: FeatureHistograms;
  private readonly sample: SessionSample;
  private readonly studiedColumns = featureColumns(STUDIED_FEATURES);
  private readonly opts: ExploreOptions;
  sessions = 0;
  rows = 0;
  unknownTrackRows = 0;
  /** The reader counts these (the sessions carry only the "other" slot): add its counts after the pass. */
  readonly unknownCategories = newUnknownCategories();

  constructor(
    private readonly tracks: TrackTable,
    options: Partial<ExploreOptions> = {},
  ) {
    this.opts = { ...DEFAULT_EXPLORE_OPTIONS, ...options };
    this.transitions = new TransitionCounter(this.opts.top);
    this.lagCorrelations = new LagCorrelations(tracks, this.studiedColumns, this.opts.maxLag);
    this.histograms = new FeatureHistograms(tracks, this.studiedColumns, STUDIED_FEATURES, this.opts.bins);
    this.sample = new SessionSample(this.opts.sample, this.opts.maxSampleSessions, this.opts.seed);
  }

  addSession(session: Session): void {
    const rows = session.rows;
    const trackRows = new Int32Array(rows.length);
    const trackIds: string[] = new Array(rows.length);
    for (let t = 0; t < rows.length; t++) {
      const row = rows[t];
      this.skipRates.add(row);
      trackIds[t] = row.trackId;
      const r = this.tracks.index.get(row.trackId) ?? -1;
      trackRows[t] = r;
      if (r < 0) this.unknownTrackRows++;
      else this.histograms.add(r, row.skip2);
    }
    this.transitions.addSession(trackIds);
    this.lagCorrelations.addSession(trackRows);
    this.sample.offer(session.id, () => ({ trackRows, skip2: Uint8Array.from(rows, (r) => (r.skip2 ? 1 : 0)) }));
    this.sessions++;
    this.rows += rows.length;
  }

  state(): ExplorePartial {
    return {
      sessions: this.sessions,
      rows: this.rows,
      unknownTrackRows: this.unknownTrackRows,
      unknownCategories: this.unknownCategories,
      skipRates: this.skipRates.state(),
      transitions: this.transitions.state(),
      lagCorrelations: this.lagCorrelations.state(),
      histograms: this.histograms.state(),
      sample: this.sample.state(),
    };
  }

  /**
   * Adds the state of a pass over other sessions (another shard, same track table and options): counts and sums
   * add, the sketches and the sample merge by their own rules. Merging the N shards' states into a fresh
   * accumulator and calling `finish` gives what one pass over all of them gives
   * (see test/e2e/scale/exploreShards.test.ts).
   */
  merge(p: ExplorePartial): void {
    this.sessions += p.sessions;
    this.rows += p.rows;
    this.unknownTrackRows += p.unknownTrackRows;
    mergeUnknownCategories(this.unknownCategories, p.unknownCategories);
    this.skipRates.merge(p.skipRates);
    this.transitions.merge(p.transitions);
    this.lagCorrelations.merge(p.lagCorrelations);
    this.histograms.merge(p.histograms);
    this.sample.merge(p.sample);
  }

  finish(): ExploreResult {
    const o = this.opts;
    const rates = this.skipRates.summary();
    const sample = this.sample.sample();
    return {
      meta: {
        sessions: this.sessions,
        rows: this.rows,
        unknownTrackRows: this.unknownTrackRows,
        unknownCategories: this.unknownCategories,
        sampleSessions: sample.length,
        sampleRows: sample.reduce((n, s) => n + s.trackRows.length, 0),
        options: o,
      },
      overall: rates.overall,
      skipRateByPosition: rates.byPosition,
      skipRateByHour: rates.byHour,
      skipRateByWeekday: rates.byWeekday,
      skipRateByDate: rates.byDate,
      skipRateByContextType: rates.byContextType,
      skipRateByPremium: rates.byPremium,
      skipRateByShuffle: rates.byShuffle,
      skipRateByReasonStart: rates.byReasonStart,
      transitions: this.transitions.summary(),
      featureMemory: featureMemory(this.lagCorrelations, sample, STUDIED_FEATURES, o.seed),
      histograms: this.histograms.summary(),
      scatter: scatterSample(this.tracks, sample, o.scatterPoints),
      pc: dependencyGraph(this.tracks, sample, o),
    };
  }
}

/** Rows of the sample whose track is known: each play's studied features followed by skip_2 (0/1). */
function* sampleVectors(tracks: TrackTable, sample: readonly SampledSession[], columns: readonly number[]) {
  const v = new Float64Array(columns.length + 1);
  for (const s of sample) {
    for (let t = 0; t < s.trackRows.length; t++) {
      const r = s.trackRows[t];
      if (r < 0) continue;
      for (let f = 0; f < columns.length; f++) v[f] = tracks.features[r * tracks.width + columns[f]];
      v[columns.length] = s.skip2[t];
      yield v;
    }
  }
}

function scatterSample(tracks: TrackTable, sample: readonly SampledSession[], maxPoints: number): ExploreResult['scatter'] {
  const columns = featureColumns(SCATTER_FEATURES);
  const acc = new CovarianceAccumulator(columns.length);
  const points: Record<string, number | boolean>[] = [];
  // The sample is already random, but its sessions are many plays each: take every k-th play so the
  // drawn points spread over many sessions rather than the first few.
  const total = sample.reduce((s, x) => s + x.trackRows.length, 0);
  const every = Math.max(1, Math.floor(total / maxPoints));
  let i = 0;
  for (const v of sampleVectors(tracks, sample, columns)) {
    acc.add(v);
    if (i++ % every === 0 && points.length < maxPoints) {
      const p: Record<string, number | boolean> = { skip_2: v[columns.length] === 1 };
      SCATTER_FEATURES.forEach((name, f) => (p[name] = v[f]));
      points.push(p);
    }
  }
  const c = acc.correlation();
  const correlation = Array.from({ length: c.size }, (_, a) => Array.from(c.values.subarray(a * c.size, (a + 1) * c.size)));
  return { features: [...SCATTER_FEATURES], points, correlation };
}

/** PC over the studied features and skip_2, on the correlation matrix of the sample. */
function dependencyGraph(tracks: TrackTable, sample: readonly SampledSession[], o: ExploreOptions): ExploreResult['pc'] {
  const columns = featureColumns(STUDIED_FEATURES);
  const names = [...STUDIED_FEATURES, 'skip_2'];
  const acc = new CovarianceAccumulator(names.length);
  for (const v of sampleVectors(tracks, sample, columns)) acc.add(v);
  // A constant variable has no correlation at all; PC would keep all its edges as "undecidable", so drop it.
  const kept = names.map((_, i) => i).filter((i) => acc.variance(i) > 0);
  const dropped = names.filter((_, i) => !kept.includes(i));
  if (acc.count < 3 * names.length) {
    const note = `only ${acc.count} sampled plays with known tracks: too few for conditional-independence tests (raise --sample)`;
    return { nodes: kept.map((i) => names[i]), edges: [], separations: [], samples: acc.count, tests: 0, alpha: o.alpha, maxCond: o.maxCond, dropped, note };
  }
  const full = acc.correlation();
  const values = new Float64Array(kept.length * kept.length);
  kept.forEach((a, i) => kept.forEach((b, j) => (values[i * kept.length + j] = full.values[a * full.size + b])));
  const result = pcAlgorithm(
    kept.map((i) => names[i]),
    { size: kept.length, values },
    acc.count,
    { alpha: o.alpha, maxCond: o.maxCond, sinks: ['skip_2'] },
  );
  return { ...result, alpha: o.alpha, maxCond: o.maxCond, dropped };
}

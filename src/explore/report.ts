// The explore report: ExploreResult → HTML sections (vega-lite charts plus the numbers behind them).
import { CATEGORICAL_COLUMNS } from '../data/format/columns.ts';
import { describeUnknownCategories } from '../data/format/unknownCategories.ts';
import { htmlTable, type ReportSection, type VegaLiteSpec } from '../report/html.ts';
import type { ExploreResult } from './explorePass.ts';
import type { RateRow } from './skipRates.ts';
import { cpdagSvg } from './graphSvg.ts';

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const RATE_COLOURS = { domain: ['skip_2', 'not_skipped'], range: ['#d62728', '#2ca02c'] };

/** Rate lines (skip_2 and not_skipped) above a bar chart of how many rows each value has: counts beside rates. */
function rateChart<T extends RateRow>(
  title: string,
  rows: T[],
  field: keyof T & string,
  type: 'ordinal' | 'nominal',
  opts: { sort?: string[]; axisTitle?: string; maxLabels?: number } = {},
): VegaLiteSpec {
  const data = rows.filter((r) => r.rows > 0);
  // Long axes (66 dates on the full data) label every k-th value only, so labels never overlap.
  const every = opts.maxLabels ? Math.ceil(data.length / opts.maxLabels) : 1;
  const values = every > 1 ? data.filter((_, i) => i % every === 0).map((r) => r[field]) : undefined;
  const labelAngle = type === 'nominal' || data.length > 24 || every > 1 ? -45 : 0;
  const x = { field, type, title: opts.axisTitle ?? field, sort: opts.sort ?? null, axis: { labelAngle, ...(values ? { values } : {}) } };
  const width = Math.max(220, Math.min(900, data.length * 28));
  return {
    title,
    data: { values: data.map((r) => ({ ...r, skip_2: r.skip2Rate, not_skipped: r.notSkippedRate })) },
    vconcat: [
      {
        width,
        height: 160,
        transform: [{ fold: ['skip_2', 'not_skipped'], as: ['rate', 'rateValue'] }],
        mark: { type: type === 'ordinal' ? 'line' : 'bar', point: type === 'ordinal' },
        encoding: {
          x: { ...x, axis: { ...x.axis, title: null, labels: false } },
          y: { field: 'rateValue', type: 'quantitative', title: 'rate', axis: { format: '%' }, stack: null },
          color: { field: 'rate', type: 'nominal', scale: RATE_COLOURS, title: null },
          ...(type === 'nominal' ? { xOffset: { field: 'rate', scale: { paddingInner: 0 } } } : {}),
        },
      },
      {
        width,
        height: 60,
        mark: { type: 'bar', color: '#999' },
        encoding: { x, y: { field: 'rows', type: 'quantitative', title: 'rows', axis: { format: '~s', tickCount: 3 } } },
      },
    ],
  };
}

function rateTable<T extends RateRow>(label: string, rows: T[], key: keyof T & string): string {
  return htmlTable(
    [label, 'rows', 'skip_2 rate', 'not_skipped rate'],
    rows.filter((r) => r.rows > 0).map((r) => [String(r[key]), r.rows, pct(r.skip2Rate), pct(r.notSkippedRate)]),
  );
}

function details(summary: string, inner: string): string {
  return `<details><summary>${summary}</summary>${inner}</details>`;
}

function skipRateSections(r: ExploreResult): ReportSection[] {
  const pos = r.skipRateByPosition;
  return [
    {
      title: 'Skip rate by session position, hour, weekday and date',
      intro:
        `skip_2 (skipped within the track's first ~half) and not_skipped (played to the end) over ${r.meta.rows.toLocaleString('en')} plays; ` +
        `the grey bars under each chart are the number of plays behind each rate.`,
      charts: [
        rateChart('by session position', pos, 'position', 'ordinal'),
        rateChart('by hour of day', r.skipRateByHour, 'hour', 'ordinal'),
        rateChart('by weekday', r.skipRateByWeekday, 'weekday', 'ordinal', { sort: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] }),
        rateChart('by date (the date column)', r.skipRateByDate, 'date', 'ordinal', { maxLabels: 7 }),
      ],
      html:
        details('Numbers: by position', rateTable('position', pos, 'position')) +
        details('Numbers: by hour', rateTable('hour', r.skipRateByHour, 'hour')) +
        details('Numbers: by weekday', rateTable('weekday', r.skipRateByWeekday, 'weekday')) +
        details('Numbers: by date', rateTable('date', r.skipRateByDate, 'date')),
    },
    {
      title: 'Skip rate by context, premium, shuffle and reason_start',
      intro: 'How the play started and where it came from. reason_start is known before the play, so a model may use it.',
      charts: [
        rateChart('by context_type', r.skipRateByContextType, 'value', 'nominal', { axisTitle: 'context_type' }),
        rateChart('by premium', r.skipRateByPremium, 'value', 'nominal', { axisTitle: 'premium' }),
        rateChart('by shuffle', r.skipRateByShuffle, 'value', 'nominal', { axisTitle: 'shuffle' }),
        rateChart('by reason_start', r.skipRateByReasonStart, 'value', 'nominal', { axisTitle: 'reason_start' }),
      ],
      html:
        rateTable('context_type', r.skipRateByContextType, 'value') +
        rateTable('premium', r.skipRateByPremium, 'value') +
        rateTable('shuffle', r.skipRateByShuffle, 'value') +
        rateTable('reason_start', r.skipRateByReasonStart, 'value'),
    },
  ];
}

/** "3 t_0479f24c": rank plus the start of the id, short enough for an axis. */
const trackLabel = (id: string, i: number) => `${String(i + 1).padStart(2, '0')} ${id.slice(0, 10)}`;

function transitionSection(r: ExploreResult): ReportSection {
  const t = r.transitions;
  const labels = t.tracks.map(trackLabel);
  const cells = t.matrix.flatMap((row, i) =>
    row.map((share, j) => ({ from: labels[i], to: labels[j], share, count: t.counts[i][j] })),
  );
  const side = Math.max(200, Math.min(720, labels.length * 22));
  return {
    title: `Track transitions among the ${t.tracks.length} most played tracks`,
    intro:
      'Cell (row i, column j): of the times track i was directly followed by one of these tracks, the share that was ' +
      `track j (rows normalised). ${t.transitionsSeen.toLocaleString('en')} consecutive pairs seen. Method: ${t.method}.`,
    charts: t.tracks.length
      ? [
          {
            width: side,
            height: side,
            data: { values: cells },
            mark: 'rect',
            encoding: {
              x: { field: 'to', type: 'ordinal', sort: labels, title: 'next track', axis: { labelAngle: -60 } },
              y: { field: 'from', type: 'ordinal', sort: labels, title: 'track' },
              color: { field: 'share', type: 'quantitative', scale: { scheme: 'blues' }, title: 'share of row' },
              tooltip: [{ field: 'from' }, { field: 'to' }, { field: 'count' }, { field: 'share', format: '.3f' }],
            },
          },
        ]
      : [],
    html: details(
      'Numbers: the tracks',
      htmlTable(
        ['rank', 'track id', 'plays (estimate)', '± at most', 'most frequent next (among these)', 'share'],
        t.tracks.map((id, i) => {
          const row = t.matrix[i];
          const best = row.reduce((b, v, j) => (v > row[b] ? j : b), 0);
          return [i + 1, id, t.plays[i], t.playsError[i], row[best] > 0 ? labels[best] : '–', pct(row[best])];
        }),
      ),
    ),
  };
}

function featureMemorySection(r: ExploreResult): ReportSection {
  const rows = Object.entries(r.featureMemory).flatMap(([feature, lags]) =>
    lags.flatMap((l) => [
      { feature, lag: l.lag, r: l.r, series: 'observed' },
      { feature, lag: l.lag, r: l.rShuffled, series: 'shuffled across sessions' },
    ]),
  );
  const lag1 = Object.entries(r.featureMemory)
    .map(([feature, lags]) => ({ feature, r: lags[0]?.r ?? NaN, rShuffled: lags[0]?.rShuffled ?? NaN }))
    .sort((a, b) => b.r - a.r);
  const order = lag1.map((l) => l.feature);
  const finite = rows.filter((x) => Number.isFinite(x.r));
  const strongest = lag1.find((l) => Number.isFinite(l.r));
  return {
    title: 'Feature memory: correlation between tracks 1–5 plays apart',
    intro:
      'For each feature, the correlation between the track at position t and the one at t + lag within a session ' +
      '(all sessions), next to the same statistic after shuffling the sample\'s tracks across sessions (the null: same ' +
      `tracks, no sequence). ${strongest ? `Strongest at lag 1: ${strongest.feature} (r = ${strongest.r.toFixed(3)} vs ${strongest.rShuffled.toFixed(3)} shuffled).` : ''}`,
    charts: [
      {
        title: 'lag-1 correlation, observed vs shuffled',
        width: 520,
        height: Math.max(120, order.length * 16),
        data: { values: finite.filter((x) => x.lag === 1) },
        mark: 'bar',
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: order, title: null },
          yOffset: { field: 'series' },
          x: { field: 'r', type: 'quantitative', title: 'correlation r' },
          color: { field: 'series', type: 'nominal', scale: { range: ['#1f77b4', '#bbbbbb'] }, title: null, legend: { orient: 'bottom' } },
        },
      },
      {
        title: 'observed correlation by lag',
        width: 260,
        height: Math.max(120, order.length * 16),
        data: { values: finite.filter((x) => x.series === 'observed') },
        mark: 'rect',
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: order, title: null },
          x: { field: 'lag', type: 'ordinal' },
          color: { field: 'r', type: 'quantitative', scale: { scheme: 'redblue', domainMid: 0, reverse: true }, title: 'r' },
        },
      },
    ],
    html: details(
      'Numbers',
      htmlTable(
        ['feature', 'lag', 'r', 'r shuffled', 'pairs', 'shuffled pairs'],
        Object.entries(r.featureMemory).flatMap(([feature, lags]) =>
          lags.map((l) => [feature, l.lag, fmt(l.r), fmt(l.rShuffled), l.pairs, l.shuffledPairs]),
        ),
      ),
    ),
  };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');

const SKIP_COLOUR = { field: 'skip_2', type: 'nominal', scale: { domain: [true, false], range: ['#d62728', '#2ca02c'] } };

/** Scatterplots off the diagonal, each feature's histogram (stacked by skip_2) on it. */
function scatterMatrix(points: Record<string, number | boolean>[], features: string[]): VegaLiteSpec {
  const cell = (row: string, col: string): VegaLiteSpec =>
    row === col
      ? {
          width: 140,
          height: 140,
          mark: 'bar',
          encoding: {
            x: { field: col, type: 'quantitative', bin: { maxbins: 20 } },
            y: { aggregate: 'count', type: 'quantitative', title: row === features[0] ? 'plays' : null },
            color: SKIP_COLOUR,
          },
        }
      : {
          width: 140,
          height: 140,
          mark: { type: 'circle', size: 9, opacity: 0.5 },
          encoding: {
            x: { field: col, type: 'quantitative', scale: { zero: false } },
            y: { field: row, type: 'quantitative', scale: { zero: false } },
            color: SKIP_COLOUR,
          },
        };
  return {
    data: { values: points },
    vconcat: features.map((row) => ({ hconcat: features.map((col) => cell(row, col)) })),
  };
}

function distributionSection(r: ExploreResult): ReportSection {
  const values = r.histograms.flatMap((h) => {
    const totals = { skipped: h.skipped.reduce((s, v) => s + v, 0), notSkipped: h.notSkipped.reduce((s, v) => s + v, 0) };
    return h.edges.flatMap((x, b) => [
      { feature: h.feature, x, group: 'skipped (skip_2)', share: totals.skipped ? h.skipped[b] / totals.skipped : 0 },
      { feature: h.feature, x, group: 'not skipped', share: totals.notSkipped ? h.notSkipped[b] / totals.notSkipped : 0 },
    ]);
  });
  const s = r.scatter;
  return {
    title: 'Distributions of track features, skipped vs not skipped',
    intro:
      'Each curve is a histogram normalised within its group (all plays; 0.5–99.5% range of the track table, extremes ' +
      `in the end bins). The scatterplot matrix shows ${s.points.length} plays from the sample.`,
    charts: [
      {
        data: { values },
        facet: { field: 'feature', type: 'nominal', title: null, sort: r.histograms.map((h) => h.feature) },
        columns: 5,
        spec: {
          width: 150,
          height: 90,
          mark: { type: 'line', interpolate: 'step-after' },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: null, axis: { tickCount: 3, format: '.3~r' } },
            y: { field: 'share', type: 'quantitative', title: null, axis: { format: '%', tickCount: 3 } },
            color: {
              field: 'group',
              type: 'nominal',
              scale: { domain: ['skipped (skip_2)', 'not skipped'], range: ['#d62728', '#2ca02c'] },
              title: null,
              legend: { orient: 'top' },
            },
          },
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
      ...(s.points.length
        ? [
            scatterMatrix(s.points, s.features),
          ]
        : []),
    ],
    html: details(
      'Numbers: sample correlations of the scatterplot features',
      htmlTable(['', ...s.features], s.correlation.map((row, i) => [s.features[i], ...row.map(fmt)])),
    ),
  };
}

function pcSection(r: ExploreResult): ReportSection {
  const pc = r.pc;
  const directed = pc.edges.filter((e) => e.directed).length;
  return {
    title: 'Dependency graph (PC algorithm)',
    intro:
      `CPDAG over the studied track features and skip_2, from Fisher-z tests on partial correlations of ${pc.samples.toLocaleString('en')} ` +
      `sampled plays (alpha = ${pc.alpha}, conditioning sets up to ${pc.maxCond}, ${pc.tests} tests): ${pc.edges.length} edges, ` +
      `${directed} directed (arrows: v-structures and Meek rules), the rest undirected. Edges touching skip_2 are red; ` +
      'as background knowledge skip_2 causes no track feature (a skip cannot change the audio), so its edges point into it. ' +
      'skip_2 is binary, so its tests are a linear approximation; with very many samples nearly every pair tests dependent.' +
      (pc.dropped.length ? ` Left out (constant in the sample): ${pc.dropped.join(', ')}.` : '') +
      (pc.note ? ` ${pc.note}.` : ''),
    html:
      `<figure>${cpdagSvg(pc.nodes, pc.edges, 'skip_2', 720)}</figure>` +
      details('Numbers: edges', htmlTable(['from', 'to', 'kind'], pc.edges.map((e) => [e.from, e.to, e.directed ? '→' : '—']))),
  };
}

function overviewSection(r: ExploreResult): ReportSection {
  const m = r.meta;
  const unknownCategories = new Map(describeUnknownCategories(m.unknownCategories).map((d) => [d.column, d.text]));
  return {
    title: 'Overview',
    html: htmlTable(
      ['quantity', 'value'],
      [
        ['sessions', m.sessions],
        ['plays (rows)', m.rows],
        ['plays whose track is not in the track table', m.unknownTrackRows],
        ...CATEGORICAL_COLUMNS.map(({ column }): [string, string | number] => [
          `plays whose ${column} is outside its vocabulary (read as "other")`,
          unknownCategories.get(column) ?? 0,
        ]),
        ['skip_2 rate', pct(r.overall.skip2Rate)],
        ['not_skipped rate', pct(r.overall.notSkippedRate)],
        ['sampled sessions (feature-memory null, scatterplots, PC)', m.sampleSessions],
        ['sampled plays', m.sampleRows],
        ['options', JSON.stringify(m.options)],
      ],
    ),
  };
}

export function exploreReportSections(r: ExploreResult): ReportSection[] {
  return [
    overviewSection(r),
    ...skipRateSections(r),
    transitionSection(r),
    featureMemorySection(r),
    distributionSection(r),
    pcSection(r),
  ];
}

// Self-contained HTML reports: vega-lite specs compiled and rendered to inline SVG in Node, so a report opens
// offline with no CDN and no JavaScript.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';

export type VegaLiteSpec = Record<string, unknown>;

export interface ReportSection {
  title: string;
  intro?: string;
  charts?: VegaLiteSpec[];
  /** Extra markup (tables etc.), inserted as is. */
  html?: string;
}

/** Render one vega-lite spec to SVG markup. Without a canvas package, vega estimates text widths: good enough. */
export async function renderChart(spec: VegaLiteSpec): Promise<string> {
  const withDefaults = { config: { font: 'Helvetica, Arial, sans-serif' }, ...spec };
  const vgSpec = compile(withDefaults as never).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function htmlTable(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) =>
    typeof v === 'number' ? `<td class="num">${Number.isInteger(v) ? v : v.toFixed(4)}</td>` : `<td>${escapeHtml(v)}</td>`;
  return (
    `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

const STYLE = `
body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1150px;color:#222;line-height:1.45}
h1{margin-bottom:0}.subtitle{color:#666;margin-top:.3em}
section{border-top:1px solid #ddd;margin-top:2em;padding-top:.5em}
.charts{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
nav a{margin-right:1em}
`;

/** Build the page; charts render in parallel. */
export async function buildHtmlReport(title: string, sections: ReportSection[], subtitle?: string): Promise<string> {
  const rendered = await Promise.all(sections.map((s) => Promise.all((s.charts ?? []).map(renderChart))));
  const anchor = (i: number) => `s${i + 1}`;
  const body = sections
    .map(
      (s, i) =>
        `<section id="${anchor(i)}"><h2>${escapeHtml(s.title)}</h2>` +
        (s.intro ? `<p>${escapeHtml(s.intro)}</p>` : '') +
        (rendered[i].length ? `<div class="charts">${rendered[i].map((svg) => `<figure>${svg}</figure>`).join('')}</div>` : '') +
        (s.html ?? '') +
        '</section>',
    )
    .join('\n');
  const nav = sections.map((s, i) => `<a href="#${anchor(i)}">${escapeHtml(s.title)}</a>`).join('');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${subtitle ? `<p class="subtitle">${escapeHtml(subtitle)}</p>` : ''}<nav>${nav}</nav>\n${body}</body></html>\n`
  );
}

/** Write the report atomically (temp file, then rename). */
export async function writeHtmlReport(path: string, title: string, sections: ReportSection[], subtitle?: string): Promise<void> {
  const html = await buildHtmlReport(title, sections, subtitle);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, html);
}

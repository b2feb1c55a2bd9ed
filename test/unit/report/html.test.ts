import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart, writeHtmlReport, htmlTable } from '../../../src/report/html.ts';

const bars = {
  title: 'Skip rate by position',
  data: { values: [{ position: 1, rate: 0.37 }, { position: 2, rate: 0.47 }] },
  mark: 'bar',
  encoding: { x: { field: 'position', type: 'ordinal' }, y: { field: 'rate', type: 'quantitative' } },
};

test('a vega-lite spec renders to inline SVG with its title', async () => {
  const svg = await renderChart(bars);
  assert.ok(svg.startsWith('<svg'));
  assert.ok(svg.includes('Skip rate by position'));
});

test('the report is one self-contained file, written atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const path = join(dir, 'r.html');
  await writeHtmlReport(path, 'Title <&>', [{ title: 'A', charts: [bars], html: htmlTable(['k', 'v'], [['x', 0.5]]) }]);
  const html = readFileSync(path, 'utf8');
  assert.ok(html.includes('Title &lt;&amp;&gt;'));
  assert.ok(html.includes('<svg'));
  assert.ok(html.includes('<td class="num">0.5000</td>'));
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  assert.equal(readdirSync(dir), ['r.html']);
});

test.run();

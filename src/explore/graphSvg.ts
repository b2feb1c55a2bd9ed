// Draw a CPDAG as inline SVG: nodes on a circle (PC graphs are small; a circle keeps every edge visible without a
// layout engine), directed edges with arrowheads, undirected edges as plain lines.
import { escapeHtml } from '../report/html.ts';
import type { CpdagEdge } from './pc.ts';

export function cpdagSvg(nodes: readonly string[], edges: readonly CpdagEdge[], highlight?: string, size = 640): string {
  const cx = size / 2;
  const cy = size / 2;
  const radius = size / 2 - 150; // room for labels such as us_popularity_estimate
  const nodeR = 6;
  const pos = new Map(
    nodes.map((n, i) => {
      const angle = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
      return [n, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle), angle }];
    }),
  );
  const lines = edges.map((e) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    // Stop short of the target node so the arrowhead is not hidden under it.
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const shrink = nodeR + 2;
    const x2 = b.x - (dx / len) * shrink;
    const y2 = b.y - (dy / len) * shrink;
    const touchesHighlight = highlight !== undefined && (e.from === highlight || e.to === highlight);
    const colour = touchesHighlight ? '#d62728' : e.directed ? '#1f4e79' : '#888';
    return (
      `<line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ` +
      `stroke="${colour}" stroke-width="${touchesHighlight ? 2.2 : 1.4}"${e.directed ? ` marker-end="url(#arrow-${touchesHighlight ? 'hl' : 'dir'})"` : ''}/>`
    );
  });
  const labels = nodes.map((n) => {
    const p = pos.get(n)!;
    const outside = 12;
    const lx = p.x + outside * Math.cos(p.angle);
    const ly = p.y + outside * Math.sin(p.angle);
    const anchor = Math.cos(p.angle) > 0.2 ? 'start' : Math.cos(p.angle) < -0.2 ? 'end' : 'middle';
    const fill = n === highlight ? '#d62728' : '#222';
    return (
      `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${nodeR}" fill="${fill}"/>` +
      `<text x="${lx.toFixed(1)}" y="${(ly + 4).toFixed(1)}" text-anchor="${anchor}" font-size="13" fill="${fill}">${escapeHtml(n)}</text>`
    );
  });
  const marker = (id: string, colour: string) =>
    `<marker id="arrow-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="Helvetica, Arial, sans-serif">` +
    `<defs>${marker('dir', '#1f4e79')}${marker('hl', '#d62728')}</defs>` +
    lines.join('') +
    labels.join('') +
    '</svg>'
  );
}

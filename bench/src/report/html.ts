// report.html: the report document as one self-contained page (inline CSS and SVG; no script, font or image
// fetched from anywhere), with the charts where the document says.

import type { Results } from '../results.js';
import { latencyChart, throughputChart, timeCharts } from './charts.js';
import { type Block, type ReportDocument, reportDocument, type Section } from './document.js';
import { esc } from './svg.js';
import type { Table } from './table.js';

/** Escapes, then renders the two inline marks the document uses: **bold** and `code`. */
export function inline(s: string): string {
  return esc(s)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`(.+?)`/g, '<code>$1</code>');
}

/** Numbers (and the dash of a missing one) align right; words align left. */
const numeric = (c: string) => /^(—|n\/a|[-−]?[\d.]+(\s|%|×|$))/.test(c);

function htmlTable(t: Table): string {
  const targets = t.rows[0]?.cells.length ?? 0;
  // A column is right-aligned when every cell in it is a number.
  const right = t.header.map(
    (_, i) => i > 0 && t.rows.every((r) => numeric([r.label, ...r.cells][i] ?? '—')),
  );
  const cls = (i: number) => [right[i] ? 'n' : '', i > targets ? 'ratio' : ''].filter(Boolean).join(' ');
  const td = (c: string, i: number) => `<td${cls(i) ? ` class="${cls(i)}"` : ''}>${esc(c)}</td>`;
  const head = `<tr>${t.header.map((h, i) => `<th${cls(i) ? ` class="${cls(i)}"` : ''}>${esc(h)}</th>`).join('')}</tr>`;
  const rows = t.rows
    .map((r) => `<tr>${[r.label, ...r.cells, ...r.ratios].map(td).join('')}</tr>`)
    .join('\n');
  const caption =
    t.title || t.note
      ? `<caption>${esc(t.title)}${t.note ? `<small>${esc(t.note)}</small>` : ''}</caption>`
      : '';
  return `<table>${caption}${head}\n${rows}</table>`;
}

function charts(r: Results): string {
  return [
    '<div class="charts">',
    latencyChart(r),
    throughputChart(r),
    '</div>',
    '<h3>CPU and memory over time (shaded: what the server was doing)</h3>',
    '<div class="charts">',
    ...timeCharts(r),
    '</div>',
  ].join('\n');
}

function block(b: Block, charts: () => string): string {
  switch (b.kind) {
    case 'table':
      return htmlTable(b.table);
    case 'text':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((x) => `<li>${inline(x)}</li>`).join('')}</ul>`;
    case 'defs':
      return `<dl>${b.items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${inline(v)}</dd>`).join('\n')}</dl>`;
    case 'verdict':
      return `<ul class="verdict">${b.lines.map((l) => `<li><strong>${esc(l.head)}</strong>: ${inline(l.text)}</li>`).join('\n')}</ul>`;
    case 'charts':
      return charts();
    case 'svg':
      return `<figure>${b.svg}<figcaption>${inline(b.text)}</figcaption></figure>`;
  }
}

function section(s: Section, charts: () => string): string {
  const tables = s.blocks.filter((b) => b.kind === 'table').length;
  // Many tables side by side (the phases) read better in a grid than one long column.
  const body = s.blocks.map((b) => block(b, charts)).join('\n');
  const figures = s.blocks.filter((b) => b.kind === 'svg').length;
  const wrapped =
    tables > 2
      ? `<div class="tables">${body}</div>`
      : figures > 1
        ? `<div class="charts">${body}</div>`
        : body;
  return `<section id="${esc(s.id)}"${s.id === 'verdict' ? ' class="verdict-block"' : ''}><h${s.level}>${esc(s.title)}</h${s.level}>\n${wrapped}</section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1420px;padding:0 16px;color:#1c1c1c}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px;margin-top:20px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px}dt{font-weight:600}dd{margin:0}
code{font-size:12px;background:#f4f4f4;padding:0 3px;border-radius:3px}
.badge{display:inline-block;background:#f4f4f4;border:1px solid #bbb;border-radius:4px;padding:1px 6px;font-size:12px;margin-left:4px;vertical-align:middle}
.badge.quick,.badge.ci{background:#fef3c7;border-color:#f59e0b}
.verdict-block{background:#f8fafc;border:1px solid #cbd5e1;border-radius:8px;padding:4px 18px 8px}
.verdict-block h2{margin-top:12px}ul.verdict li{margin:3px 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px}
svg .title{font-weight:600;font-size:13px}svg .tick,svg .legend{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#222}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}svg .series{fill:none;stroke-width:2}
svg .identity{stroke:#999;stroke-dasharray:2 4;fill:none}
svg .band{opacity:.75}svg .band-label{font-size:10px;fill:#555}
svg .ref{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:6 3}svg .ref-label{font-size:11px;fill:#b91c1c;stroke:#fff;stroke-width:3px;paint-order:stroke}
table{border-collapse:collapse;margin:12px 0;font-size:13px}caption{text-align:left;font-weight:600;padding:4px 0}
caption small{display:block;font-weight:400;color:#555;max-width:720px}
td,th{border:1px solid #ddd;padding:3px 8px}th{background:#f4f4f4}th.n:not(.ratio){white-space:nowrap}.n{text-align:right;font-variant-numeric:tabular-nums}
.ratio{background:#f7f7ff;text-align:right}
figure{margin:12px 0}figcaption{font-size:12px;color:#555;max-width:720px}svg.heatmap{max-width:720px;height:auto;background:#fff}
svg .cell-label{font-size:12px;text-anchor:middle;dominant-baseline:middle}svg .heat-axis{font-size:12px;fill:#222}.tables{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:0 24px}
`;

export function renderHtml(r: Results): string {
  return renderDocumentHtml(
    reportDocument(r),
    () => charts(r),
    `Schema ${r.schema} v${r.schemaVersion}; all figures are in results.json beside this file.`,
  );
}

/** Any report document as one self-contained page; `charts` draws the document's chart block. */
export function renderDocumentHtml(doc: ReportDocument, charts: () => string, footer: string): string {
  const badges = doc.badges
    .map((b) => `<span class="badge ${esc(b.toLowerCase().replace(/\s+/g, '-'))}">${esc(b)}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${esc(doc.title)} ${badges}</h1>
${doc.sections.map((s) => section(s, charts)).join('\n')}
<p><small>${esc(footer)}</small></p>
</body></html>
`;
}

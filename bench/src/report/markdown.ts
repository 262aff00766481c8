// report.md: the report document as Markdown (the charts are in report.html).

import type { Results } from '../results.js';
import { type Block, type ReportDocument, reportDocument } from './document.js';
import type { Table } from './table.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function mdTable(t: Table): string {
  const lines = [
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map((_, i) => (i === 0 || t.words ? '---' : '---:')).join('|')}|`,
    ...t.rows.map((r) => `| ${[r.label, ...r.cells, ...r.ratios].map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

function block(b: Block): string[] {
  switch (b.kind) {
    case 'table':
      return [
        ...(b.table.title ? [`**${b.table.title}**`, ''] : []),
        ...(b.table.note ? [`_${b.table.note}_`, ''] : []),
        mdTable(b.table),
        '',
      ];
    case 'text':
      return [b.text, ''];
    case 'list':
      return [...b.items.map((x) => `- ${x}`), ''];
    case 'defs':
      return ['| | |', '|---|---|', ...b.items.map(([k, v]) => `| ${k} | ${cell(v)} |`), ''];
    case 'verdict':
      return [...b.lines.map((l) => `- **${l.head}**: ${l.text}`), ''];
    case 'charts':
      return [
        'Latency and throughput against offered load, and CPU and memory over time: see report.html.',
        '',
      ];
    case 'svg':
      return [b.text, ''];
  }
}

export function renderMarkdown(r: Results): string {
  return renderDocumentMarkdown(reportDocument(r));
}

/** Any report document (the single run's or the suite's) as Markdown. */
export function renderDocumentMarkdown(doc: ReportDocument): string {
  const out = [`# ${doc.title}`, '', `_${doc.badges.join(' · ')}_`, ''];
  for (const s of doc.sections) {
    out.push(`${'#'.repeat(s.level)} ${s.title}`, '');
    for (const b of s.blocks) out.push(...block(b));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

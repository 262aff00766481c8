// Writing a run's results.json, report.md and report.html.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderHtml } from './report/html.js';
import { renderMarkdown } from './report/markdown.js';
import type { Results } from './results.js';

/** JSON without NaN/Infinity surprises: they become null (documented in the README). */
export function toJson(r: unknown): string {
  return `${JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export function writeReports(r: Results, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const files = [
    ['results.json', toJson(r)],
    ['report.md', renderMarkdown(r)],
    ['report.html', renderHtml(r)],
  ] as const;
  for (const [name, text] of files) writeFileSync(path.join(out, name), text);
  return files.map(([n]) => path.join(out, n));
}

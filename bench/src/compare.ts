// `pnpm bench:compare`: runs the benchmark and writes results.json, report.md and report.html to --out.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupAll, installSignalHandlers } from './cleanup.js';
import { type Options, parseOptions, USAGE } from './cli.js';
import { Progress } from './progress.js';
import { renderHtml } from './report/html.js';
import { renderMarkdown } from './report/markdown.js';
import { headlineTable } from './report/table.js';
import { verdictLines } from './report/verdict.js';
import type { Results } from './results.js';
import { PreflightError, runBenchmark } from './run.js';

/** JSON without NaN/Infinity surprises: they become null (documented in the README). */
export function toJson(r: Results): string {
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

/** The headline table and the verdict, on stdout (the only output when CI is set). */
function printSummary(r: Results): void {
  const h = headlineTable(r);
  console.log(`\n${h.header.join(' | ')}`);
  for (const row of h.rows) console.log([row.label, ...row.cells, ...row.ratios].join(' | '));
  console.log('\nVerdict:');
  for (const l of verdictLines(r)) console.log(`- ${l.head}: ${l.text}`);
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    console.error(`bench:compare: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  installSignalHandlers();
  const quiet = Boolean(process.env.CI);
  const progress = new Progress(quiet, Boolean(process.stderr.isTTY), 0);
  const t0 = Date.now();
  try {
    const results = await runBenchmark(opts, progress, `pnpm bench:compare ${argv.join(' ')}`.trim());
    const files = writeReports(results, opts.out);
    progress.end();
    printSummary(results);
    console.log(
      `\nbench:compare finished in ${((Date.now() - t0) / 1000).toFixed(0)} s; reports:\n  ${files.join('\n  ')}`,
    );
    return 0;
  } catch (e) {
    progress.end();
    console.error(`\nbench:compare: ${e instanceof PreflightError ? e.message : ((e as Error).stack ?? e)}`);
    return 1;
  } finally {
    await cleanupAll();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('compare.ts')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

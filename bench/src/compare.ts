// `pnpm bench:compare`: runs the benchmark and writes results.json, report.md and report.html to --out.

import { cleanupAll, installSignalHandlers } from './cleanup.js';
import { type Options, parseOptions, USAGE } from './cli.js';
import { Progress } from './progress.js';
import { headlineTable } from './report/table.js';
import { jsRuntimeLines, verdictLines } from './report/verdict.js';
import type { Results } from './results.js';
import { PreflightError, runBenchmark } from './run.js';

import { runSuite, type SuiteRun } from './suite/run.js';
import { writeSuiteReports } from './suite/write.js';
import { writeReports } from './write.js';

export { toJson, writeReports } from './write.js';

/** The headline table and the verdict, on stdout (the only output when CI is set). */
function printSummary(r: Results): void {
  const h = headlineTable(r);
  console.log(`\n${h.header.join(' | ')}`);
  for (const row of h.rows) console.log([row.label, ...row.cells, ...row.ratios].join(' | '));
  console.log('\nVerdict:');
  for (const l of verdictLines(r)) console.log(`- ${l.head}: ${l.text}`);
  const js = jsRuntimeLines(r);
  if (js.length) console.log('\nWhich JavaScript runtime leads:');
  for (const l of js) console.log(`- ${l.head}: ${l.text}`);
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
  const command = `pnpm bench:compare ${argv.join(' ')}`.trim();
  if (opts.suite || opts.resume) return suiteMain(opts, progress, command, t0);
  try {
    const results = await runBenchmark(opts, progress, command);
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

function printSuiteSummary(s: SuiteRun['suite']): void {
  const failed = s.scenarios.filter((x) => x.status === 'failed');
  console.log(
    `\nsuite (${s.kind}): ${s.scenarios.filter((x) => x.status === 'done').length} scenarios done, ${failed.length} failed`,
  );
  for (const f of failed) console.log(`  ${f.id}: ${f.reason}`);
  for (const x of s.scaling)
    console.log(
      `  scaling ${x.target} ${x.image} × ${x.op}: ${x.efficiency.toFixed(2)} (${x.one.cpus} → ${x.all.cpus} CPUs)`,
    );
}

async function suiteMain(opts: Options, progress: Progress, command: string, t0: number): Promise<number> {
  try {
    const run = await runSuite(opts, progress, command);
    const files = writeSuiteReports(run.suite, run.dir);
    progress.end();
    printSuiteSummary(run.suite);
    console.log(
      `\nbench:compare --suite finished in ${((Date.now() - t0) / 1000).toFixed(0)} s; reports:\n  ${files.join('\n  ')}`,
    );
    return run.suite.scenarios.some((x) => x.status === 'done') ? 0 : 1;
  } catch (e) {
    progress.end();
    console.error(`\nbench:compare --suite: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    await cleanupAll();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('compare.ts')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

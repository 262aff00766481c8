// Re-renders report.md and report.html from a results.json, or suite.md and suite.html from a suite.json (after a
// change to the reports, no new run needed):
//   pnpm --filter @rtip/bench exec tsx src/render.ts results/<time>/results.json
//   pnpm --filter @rtip/bench exec tsx src/render.ts results/suite-<time>/suite.json

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from './results.js';
import { readSuite, writeSuiteReports } from './suite/write.js';
import { writeReports } from './write.js';

/** results.json as written: numbers that could not be measured are null there and NaN here. */
export function readResults(file: string): Results {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === null ? Number.NaN : v));
}

if (process.argv[1]?.endsWith('render.ts')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx src/render.ts path/to/results.json|suite.json');
    process.exit(2);
  }
  const dir = path.dirname(path.resolve(file));
  const files =
    path.basename(file) === 'suite.json'
      ? writeSuiteReports(readSuite(file), dir)
      : writeReports(readResults(file), dir);
  console.log(files.join('\n'));
}

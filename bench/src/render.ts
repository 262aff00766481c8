// Re-renders report.md and report.html from a results.json (after a change to the reports, no new run needed):
//   pnpm --filter @rtip/bench exec tsx src/render.ts results/<time>/results.json

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeReports } from './compare.js';
import type { Results } from './results.js';

/** results.json as written: numbers that could not be measured are null there and NaN here. */
export function readResults(file: string): Results {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === null ? Number.NaN : v));
}

if (process.argv[1]?.endsWith('render.ts')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx src/render.ts path/to/results.json');
    process.exit(2);
  }
  const files = writeReports(readResults(file), path.dirname(path.resolve(file)));
  console.log(files.join('\n'));
}

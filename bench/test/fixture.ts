// The results.json of a real `--quick` run, as the report tests read it (null → NaN, as written).
import path from 'node:path';
import { readResults } from '../src/render.js';
import type { Results } from '../src/results.js';
import { BENCH_DIR } from '../src/scenario.js';

export const loadFixture = (): Results =>
  readResults(path.join(BENCH_DIR, 'test', 'fixtures', 'results.json'));

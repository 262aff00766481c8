// The results.json of a real `--quick` run, as the report tests read it (null → NaN, as written).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../src/results.js';
import { BENCH_DIR } from '../src/scenario.js';

export const loadFixture = (): Results =>
  JSON.parse(readFileSync(path.join(BENCH_DIR, 'test', 'fixtures', 'results.json'), 'utf8'), (_k, v) =>
    v === null ? Number.NaN : v,
  );

// Writing suite.json, suite.md and suite.html into the suite folder (and re-reading suite.json to re-render).

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderDocumentHtml } from '../report/html.js';
import { renderDocumentMarkdown } from '../report/markdown.js';
import { toJson } from '../write.js';
import { suiteDocument } from './report.js';
import type { SuiteResults } from './results.js';

export function writeSuiteReports(s: SuiteResults, dir: string): string[] {
  const doc = suiteDocument(s);
  const files = [
    ['suite.json', toJson(s)],
    ['suite.md', renderDocumentMarkdown(doc)],
    [
      'suite.html',
      renderDocumentHtml(
        doc,
        () => '',
        `Schema ${s.schema} v${s.schemaVersion}; every figure is in suite.json beside this file, and each scenario's results.json under scenarios/.`,
      ),
    ],
  ] as const;
  for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
  return files.map(([n]) => path.join(dir, n));
}

/** suite.json as written: numbers that could not be measured are null there and NaN here. */
export function readSuite(file: string): SuiteResults {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === null ? Number.NaN : v));
}

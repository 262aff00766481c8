// The repository stands on its own: nothing in it cites or reads files that live outside it. The specification
// this project started from was written into packages/contract (README and tables) and the READMEs.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const self = path.relative(root, fileURLToPath(import.meta.url));

/** Names of files outside the repository that earlier drafts cited (split so this file does not match itself). */
const OUTSIDE = [
  ['..', '/shared'].join(''),
  ['DESIGN', '.md'].join(''),
  ['STYLE', '.md'].join(''),
  ['container', '-check'].join(''),
];

function citations(pattern: string): string[] {
  try {
    const out = execFileSync('git', ['grep', '-nF', pattern, '--', '.', `:!${self}`], {
      cwd: root,
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  } catch (e) {
    if ((e as { status?: number }).status === 1) return []; // git grep: no match
    throw e;
  }
}

describe('the repository cites nothing outside it', () => {
  it.each(OUTSIDE)('no tracked file names %s', (name) => {
    expect(citations(name)).toEqual([]);
  });

  it('would notice a citation', () => {
    expect(citations('readme-commands').length).toBeGreaterThan(0);
  });
});

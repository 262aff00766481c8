import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from './config.js';
import { DEVIATION_RUNTIMES, DEVIATIONS, deviationsOf, deviationsTable } from './deviations.js';

describe('deviations', () => {
  it('are printed in the README exactly as the list says (re-render the table after changing the list)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(deviationsTable());
  });

  it('have unique ids, belong to a target with its own server, and say what happens', () => {
    expect(new Set(DEVIATIONS.map((d) => d.id)).size).toBe(DEVIATIONS.length);
    for (const d of DEVIATIONS) {
      expect(Object.keys(DEVIATION_RUNTIMES), d.id).toContain(d.target);
      expect(Object.keys(DEFAULT_PORTS)).toContain(d.target);
      expect(d.id.startsWith(d.target.slice(3)), d.id).toBe(true);
      expect(d.point.length * d.instead.length, d.id).toBeGreaterThan(0);
      for (const link of d.links) expect(link, d.id).toMatch(/^https:\/\//);
    }
  });

  it('are looked up by target', () => {
    expect(deviationsOf('go').size).toBe(0);
    expect(deviationsOf('ts').size).toBe(0);
    expect(deviationsOf('ts-bun').get('bun-early-answer')?.target).toBe('ts-bun');
    expect(deviationsOf('ts-deno').has('bun-early-answer')).toBe(false);
  });

  it('are one table row each, of four cells', () => {
    const rows = deviationsTable().split('\n');
    expect(rows).toHaveLength(DEVIATIONS.length + 2);
    for (const row of rows) expect(row.replaceAll('\\|', '').split('|')).toHaveLength(6);
  });
});

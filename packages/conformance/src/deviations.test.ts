import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVIATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { deviationFor, documented, naming } from './deviations.js';

describe('documented deviations', () => {
  it('are each asserted by a section of the suite (by id)', () => {
    const dir = join(import.meta.dirname, '..', 'test');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const unasserted = DEVIATIONS.map((d) => d.id).filter((id) => !sources.includes(`'${id}'`));
    expect(unasserted).toEqual([]);
  });

  it('are looked up by target and id, and one that is not listed fails the test', () => {
    expect(documented('ts-bun', 'bun-early-answer').target).toBe('ts-bun');
    expect(() => documented('ts-deno', 'bun-early-answer')).toThrow(/does not list for ts-deno/);
    expect(() => documented('ts-bun', 'bun-no-such-thing')).toThrow(/"bun-no-such-thing"/);
    const deviating = { 'ts-bun': 'bun-parser-400', 'ts-deno': 'deno-parser-400' };
    expect(deviationFor('go', deviating)).toBeUndefined();
    expect(deviationFor('ts-deno', deviating)?.id).toBe('deno-parser-400');
    expect(deviationFor('ts', undefined)).toBeUndefined();
  });

  it('are named in test names, per target run', () => {
    expect(naming(['go', 'ts'], { 'ts-bun': 'bun-parser-400' })).toBe('');
    expect(
      naming(
        ['go', 'ts-bun', 'ts-deno'],
        { 'ts-bun': 'bun-early-answer', 'ts-deno': 'deno-early-answer' },
        undefined,
        { 'ts-deno': 'deno-connection-close' },
      ),
    ).toBe(' [ts-bun: bun-early-answer; ts-deno: deno-early-answer, deno-connection-close]');
  });
});

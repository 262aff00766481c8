import { describe, expect, it } from 'vitest';
import { parseContentDisposition } from './disposition.js';
import { loadDispositionVectors } from './vectors.js';

describe('parseContentDisposition', () => {
  const cases = loadDispositionVectors();

  it('has cases of every outcome', () => {
    const kinds = new Set(cases.map((c) => (typeof c.expect === 'string' ? c.expect : 'form-data')));
    expect([...kinds].sort()).toEqual(['form-data', 'malformed', 'other']);
  });

  for (const c of cases) {
    it(`${JSON.stringify(c.header)} → ${JSON.stringify(c.expect)}`, () => {
      const got = parseContentDisposition(c.header);
      if (typeof c.expect === 'string') expect(got).toEqual({ kind: c.expect });
      else expect(got).toEqual({ kind: 'form-data', name: c.expect.name ?? undefined });
    });
  }
});

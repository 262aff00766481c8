import { IMPLEMENTATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMPLEMENTATIONS, pairs, targetsFromEnv } from './targets.js';

describe('targetsFromEnv', () => {
  it('reads name=url pairs', () => {
    expect(targetsFromEnv('go=http://localhost:8080/,ts=http://127.0.0.1:8081')).toEqual([
      { name: 'go', url: 'http://localhost:8080' },
      { name: 'ts', url: 'http://127.0.0.1:8081' },
    ]);
    expect(targetsFromEnv(undefined)).toBeUndefined();
  });

  it('refuses a malformed entry', () => {
    expect(() => targetsFromEnv('go=localhost:8080')).toThrow(/not name=http/);
  });
});

describe('default targets', () => {
  it('are every implementation of the contract, go-vips included', () => {
    expect(DEFAULT_IMPLEMENTATIONS).toEqual(IMPLEMENTATIONS);
    expect(DEFAULT_IMPLEMENTATIONS).toEqual(expect.arrayContaining(['go', 'ts', 'go-vips']));
  });
});

describe('pairs', () => {
  it('lists every unordered pair once, in order', () => {
    expect(pairs(['go', 'ts', 'go-vips'])).toEqual([
      ['go', 'ts'],
      ['go', 'go-vips'],
      ['ts', 'go-vips'],
    ]);
    expect(pairs(['go'])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { targetsFromEnv } from './targets.js';

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

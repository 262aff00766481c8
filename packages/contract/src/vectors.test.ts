import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { parseOptions } from './options.js';
import { FIXTURES_DIR } from './paths.js';
import { loadVectors } from './vectors.js';

const vectors = loadVectors();

/**
 * Codes that no single vector can provoke: they need concurrency (OVERLOADED), a bug (INTERNAL), a slow client
 * (the timeouts) or headers the vector format does not carry; the conformance suite's edge section tests them.
 */
const NOT_REACHABLE_BY_ONE_REQUEST: ErrorCode[] = [
  'OVERLOADED',
  'INTERNAL',
  'UPLOAD_TIMEOUT',
  'HEADERS_TIMEOUT',
  'HEADERS_TOO_LARGE',
];

describe('shared vectors', () => {
  it('have unique names', () => {
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  it('name fixtures that exist', () => {
    for (const v of vectors)
      if (v.fixture) expect(existsSync(join(FIXTURES_DIR, v.fixture)), v.fixture).toBe(true);
  });

  it('cover every corpus image', () => {
    const images = readdirSync(FIXTURES_DIR).filter((f) => !f.endsWith('.md'));
    const used = new Set(vectors.map((v) => v.fixture));
    expect(images.filter((f) => !used.has(f))).toEqual([]);
  });

  it('cover every error code a request can reach', () => {
    const codes = new Set(vectors.map((v) => v.expect.code).filter(Boolean));
    expect(ERROR_CODES.filter((c) => !codes.has(c) && !NOT_REACHABLE_BY_ONE_REQUEST.includes(c))).toEqual([]);
  });

  it('are complete: size and channels on success, a code on error', () => {
    for (const v of vectors) {
      if (v.expect.status === 200) {
        expect(v.expect.width, v.name).toBeGreaterThan(0);
        expect(v.expect.height, v.name).toBeGreaterThan(0);
        expect([1, 2, 3, 4], v.name).toContain(v.expect.channels);
      } else {
        expect(v.expect.code, v.name).toBeDefined();
        expect(v.expect.contentType).toBe('application/problem+json');
      }
    }
  });

  it('agree with parseOptions on which queries are valid', () => {
    for (const v of vectors.filter((x) => x.request.path === '/process' && x.request.method === 'POST')) {
      const parsed = parseOptions(new URLSearchParams(v.request.query));
      expect(parsed.ok, v.name).toBe(v.expect.code !== 'INVALID_OPTION');
    }
  });
});

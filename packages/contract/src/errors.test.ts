import { describe, expect, it } from 'vitest';
import { buildProblem, ContractError, ERROR_CODES, ERRORS, isContractError, problemType } from './errors.js';

describe('error table', () => {
  it('has the statuses of contract v1', () => {
    expect(Object.fromEntries(ERROR_CODES.map((c) => [c, ERRORS[c].status]))).toEqual({
      INVALID_OPTION: 400,
      INVALID_REQUEST: 400,
      MISSING_IMAGE: 400,
      NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      UPLOAD_TIMEOUT: 408,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      HEADERS_TOO_LARGE: 431,
      HEADERS_TIMEOUT: 408,
      UNDECODABLE_IMAGE: 422,
      IMAGE_TOO_LARGE: 422,
      OVERLOADED: 503,
      PROCESSING_TIMEOUT: 503,
      INTERNAL: 500,
    });
  });

  it('derives kebab-case problem types', () => {
    expect(problemType('INVALID_OPTION')).toBe('/problems/invalid-option');
    expect(problemType('NOT_FOUND')).toBe('/problems/not-found');
    expect(problemType('UNSUPPORTED_MEDIA_TYPE')).toBe('/problems/unsupported-media-type');
  });
});

describe('buildProblem', () => {
  it('builds the RFC 9457 body with every field', () => {
    expect(buildProblem('OVERLOADED', 'too many requests are waiting', 'req-1')).toEqual({
      type: '/problems/overloaded',
      title: 'Overloaded',
      status: 503,
      detail: 'too many requests are waiting',
      code: 'OVERLOADED',
      requestId: 'req-1',
    });
  });

  it('never leaks the detail of an internal error', () => {
    const body = buildProblem('INTERNAL', 'TypeError: x is undefined at /app/src/pipeline.ts:12', 'r');
    expect(body.detail).not.toContain('TypeError');
    expect(body.status).toBe(500);
  });

  it.each(ERROR_CODES)('serialises %s with the status of its table row', (code) => {
    const body = JSON.parse(JSON.stringify(buildProblem(code, 'why', 'id')));
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    expect(body.status).toBe(ERRORS[code].status);
  });
});

describe('ContractError', () => {
  it('carries code, status and the public detail', () => {
    const cause = new Error('libvips: VipsJpeg: Premature end of input file');
    const error = new ContractError('UNDECODABLE_IMAGE', 'the JPEG data is truncated', { cause });
    expect(isContractError(error)).toBe(true);
    expect(isContractError(cause)).toBe(false);
    expect(error).toMatchObject({
      code: 'UNDECODABLE_IMAGE',
      status: 422,
      detail: 'the JPEG data is truncated',
      cause,
    });
  });
});

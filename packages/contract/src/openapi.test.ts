import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.js';
import { buildOpenApiDocument, openApiText } from './openapi.js';
import { OPTION_KEYS } from './options.js';
import { OPENAPI_FILE } from './paths.js';

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(buildOpenApiDocument()) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('fails validation when broken, so the check above can fail', async () => {
    const broken = structuredClone(buildOpenApiDocument()) as Record<string, unknown>;
    broken.paths = { '/process': { post: { responses: 'nope' } } };
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it('is committed as openapi.json exactly as generated (run `pnpm build` after changing the tables)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  it('lists every option and every error code', () => {
    const text = openApiText();
    for (const key of OPTION_KEYS) expect(text).toContain(`"name": "${key}"`);
    for (const code of ERROR_CODES) expect(text).toContain(`"${code}"`);
  });
});

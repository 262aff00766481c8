// Every shared vector of the contract, through app.request().

import { loadVectors, PROBLEM_CONTENT_TYPE, type Problem } from '@rtip/contract';
import type { Hono } from 'hono';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './handlers/env.js';
import { testApp, vectorRequest } from './test/helpers.js';

const apps = new Map<string, Hono<AppEnv>>();
function appFor(config: Record<string, string>): Hono<AppEnv> {
  const key = JSON.stringify(config);
  let app = apps.get(key);
  if (!app) {
    app = testApp(config).app;
    apps.set(key, app);
  }
  return app;
}

describe('shared vectors', () => {
  for (const vector of loadVectors()) {
    it(vector.name, async () => {
      const { url, init } = vectorRequest(vector);
      const res = await appFor(vector.config).request(url, init);
      const { expect: want } = vector;
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, body.subarray(0, 300).toString()).toBe(want.status);
      expect(res.headers.get('content-type')).toBe(want.contentType);
      expect(res.headers.get('content-length')).toBe(String(body.byteLength));
      expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
      for (const [name, value] of Object.entries(want.headers ?? {}))
        expect(res.headers.get(name)).toBe(value);

      if (want.status === 200) {
        expect(res.headers.get('x-image-width')).toBe(String(want.width));
        expect(res.headers.get('x-image-height')).toBe(String(want.height));
        expect(res.headers.get('server-timing')).toMatch(
          /^decode;dur=\d+(\.\d+)?, transform;dur=\d+(\.\d+)?, encode;dur=\d+(\.\d+)?$/,
        );
        const meta = await sharp(body).metadata();
        expect(meta.format).toBe(want.contentType === 'image/png' ? 'png' : 'jpeg');
        expect({ width: meta.width, height: meta.height, channels: meta.channels }).toEqual({
          width: want.width,
          height: want.height,
          channels: want.channels,
        });
        if (meta.format === 'jpeg') {
          expect(meta.isProgressive).toBe(false);
          if (want.channels === 3) expect(meta.chromaSubsampling).toBe('4:2:0');
        }
        // Metadata is stripped.
        expect(meta.exif).toBeUndefined();
        expect(meta.icc).toBeUndefined();
      } else {
        expect(want.contentType).toBe(PROBLEM_CONTENT_TYPE);
        const problem = JSON.parse(body.toString()) as Problem;
        expect(problem.code).toBe(want.code);
        expect(problem.status).toBe(want.status);
        expect(problem.requestId).toBe(res.headers.get('x-request-id'));
        if (want.detailContains) expect(problem.detail).toContain(want.detailContains);
      }
    });
  }
});

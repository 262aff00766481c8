// What needs a service of its own: vectors with settings, overload, and graceful shutdown.

import { loadVectors } from '@rtip/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, freshRequest, multipart, vectorRequest } from '../src/requests.js';
import { type Implementation, type RunningService, startService } from '../src/services.js';

const implementations = inject('targets')
  .map((t) => t.implementation)
  .filter((i): i is Implementation => i !== undefined);

const configured = loadVectors().filter((v) => Object.keys(v.config).length > 0);

const post12mp = (url: string) =>
  fetch(`${url}/process`, {
    method: 'POST',
    body: multipart([{ name: 'image', filename: '12mp.jpg', bytes: fixture('photo-12mp.jpg') }]),
  });

describe.each(implementations)('%s service, started by the suite', (name) => {
  describe('vectors with their own settings', () => {
    it.each(configured.map((v) => [v.name, v] as const))('%s', async (_n, v) => {
      const service = await startService(name, v.config);
      try {
        const res = await fetch(...vectorRequest(service.url, v));
        expect(res.status).toBe(v.expect.status);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({ code: v.expect.code, status: v.expect.status });
        expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      } finally {
        await service.stop();
      }
    });
  });

  describe('overload (CONCURRENCY=1, QUEUE_DEPTH=1)', () => {
    let service: RunningService;
    beforeAll(async () => {
      service = await startService(name, { CONCURRENCY: '1', QUEUE_DEPTH: '1' });
    });
    afterAll(() => service?.stop());

    it('answers a burst with 200s and 503 OVERLOADED + Retry-After only, then recovers', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => post12mp(service.url)));
      const statuses = answers.map((r) => r.status);
      expect(
        statuses.every((s) => s === 200 || s === 503),
        statuses.join(),
      ).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      for (const res of answers) {
        if (res.status === 503) {
          expect(res.headers.get('retry-after')).toBe('1');
          expect(await res.json()).toMatchObject({ code: 'OVERLOADED', status: 503 });
        } else {
          await res.arrayBuffer();
        }
      }
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect((await post12mp(service.url)).status).toBe(200);
    });
  });

  describe('graceful shutdown', () => {
    it('finishes in-flight requests, reports draining, then exits 0', async () => {
      const service = await startService(name, { CONCURRENCY: '1', QUEUE_DEPTH: '4' });
      try {
        const inflight = Array.from({ length: 3 }, () => post12mp(service.url));
        // Wait until the service holds the work, then ask it to stop.
        await waitFor(async () => {
          const text = await (await fetch(`${service.url}/metrics`)).text();
          return /^image_inflight(\{[^}]*\})? [1-9]/m.test(text);
        });
        service.signal('SIGTERM');
        // The signal arrives asynchronously: poll until the service says it is draining. A refused
        // connection fails the test: the listener must stay open while work is in flight.
        let ready: { status: number; body: unknown } = { status: 0, body: undefined };
        await waitFor(async () => {
          const res = await freshRequest(`${service.url}/readyz`);
          ready = { status: res.status, body: JSON.parse(res.body.toString()) };
          return res.status !== 200;
        }, 5_000);
        expect(ready).toEqual({ status: 503, body: { status: 'draining' } });
        const refused = await freshRequest(`${service.url}/process`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg' },
          body: fixture('photo-small.jpg'),
        });
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 'OVERLOADED' });
        const answers = await Promise.all(inflight);
        expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
        for (const res of answers) expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
        expect(await service.exited).toBe(0);
      } finally {
        await service.stop();
      }
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  LINGER_OUTCOMES,
  METRIC_NAMES,
  METRICS,
  openApiText,
  type Problem,
  ROUTES,
  SHED_REASONS,
} from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { Admission } from './admission/admission.js';
import { createMetrics } from './metrics.js';
import { fixture, testApp } from './test/helpers.js';

/** The package.json in `dir`, relative to this file. */
const packageJson = (dir: string) =>
  JSON.parse(readFileSync(new URL(`${dir}/package.json`, import.meta.url), 'utf8')) as { version: string };

/** The libvips version of sharp's prebuilt binaries for this platform, if they are installed. */
function prebuiltLibvips(): string | undefined {
  // From sharp's real folder (pnpm links it), where its optional @img/* dependencies are its siblings.
  const fromSharp = createRequire(
    realpathSync(new URL('../node_modules/sharp/package.json', import.meta.url)),
  );
  try {
    const file = fromSharp.resolve(`@img/sharp-libvips-${process.platform}-${process.arch}/versions`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { vips?: string }).vips;
  } catch {
    return undefined;
  }
}

const form = (name = 'photo-small.jpg') => {
  const f = new FormData();
  f.append('image', new Blob([new Uint8Array(fixture(name))]), name);
  return f;
};

describe('operational endpoints', () => {
  const { app, deps } = testApp();

  it('GET /healthz', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz: ready, then 503 draining with Connection: close once shutdown began', async () => {
    const { app: a, deps: d } = testApp();
    expect(await (await a.request('/readyz')).json()).toEqual({ status: 'ready' });
    d.lifecycle.draining = true;
    const res = await a.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'draining' });
    expect(res.headers.get('connection')).toBe('close');
    expect((await a.request('/healthz')).status).toBe(200);
  });

  it('HEAD answers like GET without a body', async () => {
    const res = await app.request('/healthz', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('GET /info reports implementation, versions, limits and parallelism settings', async () => {
    const info = (await (await app.request('/info')).json()) as Record<string, Record<string, unknown>>;
    expect(info.implementation).toBe('ts');
    expect(info.version).toBe(packageJson('..').version);
    expect(info.runtime).toEqual({ name: 'node', version: process.version });
    // What is installed (each dependency's own package.json, as pnpm linked it for this package) is reported.
    expect(info.libraries).toMatchObject({
      sharp: packageJson('../node_modules/sharp').version,
      hono: packageJson('../node_modules/hono').version,
      honoNodeServer: packageJson('../node_modules/@hono/node-server').version,
    });
    // libvips: the version in sharp's prebuilt for this platform, or (a system libvips) at least a version.
    expect(info.libraries?.libvips).toEqual(prebuiltLibvips() ?? expect.stringMatching(/^\d+\.\d+\.\d+$/));
    expect(info.limits).toEqual({
      maxUploadBytes: 26_214_400,
      maxInflightUploadBytes: 4 * 26_214_400,
      uploadTimeoutMs: 30_000,
      maxInputPixels: 50_000_000,
      requestTimeoutMs: 30_000,
      shutdownTimeoutMs: 10_000,
    });
    expect(info.concurrency).toMatchObject({ concurrency: 2, queueDepth: 8 });
    expect(info.concurrency).toHaveProperty('uvThreadpoolSize');
    expect(info.concurrency).toHaveProperty('sharpConcurrency');
    expect(info.concurrency).toHaveProperty('sharpCache');
  });

  it('GET /openapi.json is the contract document, byte for byte', async () => {
    const res = await app.request('/openapi.json');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(openApiText());
  });

  it('GET /metrics counts requests by route, method and status, and image bytes', async () => {
    await app.request('/process', { method: 'POST', body: form() });
    await app.request('/nope');
    await app.request('/healthz', { method: 'DELETE' });
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const metric of Object.values(METRICS)) {
      expect(text).toContain(`# HELP ${metric.name} ${metric.help}\n# TYPE ${metric.name} ${metric.type}\n`);
    }
    expect(text).toContain('http_requests_total{route="/process",method="POST",status="200"} 1');
    expect(text).toContain('http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('http_requests_total{route="/healthz",method="DELETE",status="405"} 1');
    expect(text).toContain('image_rejected_total{code="NOT_FOUND"} 1');
    expect(text).toContain(`image_bytes_total{direction="in"} ${fixture('photo-small.jpg').byteLength}`);
    expect(text).toMatch(/image_stage_duration_seconds_count\{stage="decode"\} 1/);
    expect(text).toContain('image_inflight 0');
    expect(text).toContain('image_queued 0');
    expect(text).toContain('image_uploading 0');
    expect(text).toContain('image_upload_reserved_bytes 0');
    for (const reason of SHED_REASONS) expect(text).toContain(`image_shed_total{reason="${reason}"} 0`);
    expect(text).toContain('http_lingering_connections 0');
    for (const outcome of LINGER_OUTCOMES) {
      expect(text).toContain(`http_lingering_closes_total{outcome="${outcome}"} 0`);
    }
    expect(deps.metrics.registry).not.toBeUndefined();
  });

  it('exposes process metrics and event-loop delay when enabled', async () => {
    const { app: a } = testApp({}, { metrics: createMetrics({ processMetrics: true }) });
    const text = await (await a.request('/metrics')).text();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
  });

  it('exposes no gauge named like a counter (*_total), which promtool rejects', async () => {
    const { app: a } = testApp({}, { metrics: createMetrics({ processMetrics: true }) });
    const text = await (await a.request('/metrics')).text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name, type }));
    expect(types.length).toBeGreaterThan(METRIC_NAMES.length);
    expect(types.filter((t) => t.type === 'gauge' && t.name?.endsWith('_total'))).toEqual([]);
    // Every _total is a counter.
    for (const t of types.filter((t) => t.name?.endsWith('_total'))) expect(t.type, t.name).toBe('counter');
  });
});

describe('errors and headers', () => {
  const { app } = testApp();

  it('404 is a problem with the contract shape', async () => {
    const res = await app.request('/nope', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No route for /nope.',
      code: 'NOT_FOUND',
      requestId: 'abc-123',
    });
  });

  it.each(Object.entries(ROUTES))('%s answers 405 with Allow for other methods', async (path, methods) => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter(
      (m) => !(methods as readonly string[]).includes(m),
    )) {
      const res = await app.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(methods.join(', '));
      expect(((await res.json()) as Problem).code).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const echoed = await app.request('/process', {
      method: 'POST',
      body: form(),
      headers: { 'X-Request-Id': 'req.1_A-b' },
    });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('x-request-id')).toBe('req.1_A-b');
    for (const bad of ['has space', 'x'.repeat(129), 'ünï', '']) {
      const res = await app.request('/healthz', { headers: { 'X-Request-Id': bad } });
      const id = res.headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('413 for a declared Content-Length over the limit, without reading, and closes the connection', async () => {
    const { app: small } = testApp({ MAX_UPLOAD_BYTES: '1000' });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(500));
      },
    });
    const res = await small.request(
      new Request('http://localhost/process', {
        method: 'POST',
        body,
        duplex: 'half',
        headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '5000' },
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('413 for a body of unknown length once it passes the limit, without reading it all', async () => {
    const { app: small } = testApp({ MAX_UPLOAD_BYTES: '1000' });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 100) controller.close();
        else controller.enqueue(new Uint8Array(300));
      },
    });
    const res = await small.request(
      new Request('http://localhost/process', {
        method: 'POST',
        body,
        duplex: 'half',
        headers: { 'Content-Type': 'image/jpeg' },
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it('503 OVERLOADED with Retry-After: 1 when every slot and queue place is taken', async () => {
    const admission = new Admission({ concurrency: 1, queueDepth: 0, timeoutMs: 10_000 });
    const { app: busy } = testApp({}, { admission });
    let release!: () => void;
    const held = admission.run(() => new Promise<void>((r) => (release = r)));
    const res = await busy.request('/process', { method: 'POST', body: form() });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as Problem).code).toBe('OVERLOADED');
    const metrics = await (await busy.request('/metrics')).text();
    expect(metrics).toContain('image_shed_total{reason="queue_full"} 1');
    expect(metrics).toContain('image_shed_total{reason="upload_budget"} 0');
    release();
    await held;
    expect((await busy.request('/process', { method: 'POST', body: form() })).status).toBe(200);
  });

  it('an unexpected failure is 500 INTERNAL and leaks nothing', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.registry.metrics = () => Promise.reject(new Error('secret internal detail /etc/passwd'));
    const { app: broken } = testApp({}, { metrics });
    const res = await broken.request('/metrics');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({
      code: 'INTERNAL',
      detail: 'The server could not process the request.',
    });
  });
});

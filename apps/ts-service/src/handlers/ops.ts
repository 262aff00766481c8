// Operational endpoints: liveness, readiness, runtime info, metrics, and the contract's OpenAPI document.

import { openApiText } from '@rtip/contract';
import { type Context, Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import {
  implementation,
  LIBRARY_VERSIONS,
  runtime,
  SERVICE_VERSION,
  sharpSettings,
  uvThreadpoolSize,
} from '../runtime-info.js';
import type { AppEnv } from './env.js';

const JSON_TYPE = 'application/json';

/** A text answer with an exact Content-Length (c.body keeps the headers the middleware prepared). */
function send(c: Context<AppEnv>, body: string, contentType: string, status: 200 | 503 = 200): Response {
  const bytes = Buffer.from(body);
  return c.body(bytes, status, { 'Content-Type': contentType, 'Content-Length': String(bytes.byteLength) });
}

export function opsRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, metrics, lifecycle } = deps;
  const route = new Hono<AppEnv>();
  const openApi = openApiText();

  route.get('/healthz', (c) => send(c, '{"status":"ok"}', JSON_TYPE));

  route.get('/readyz', (c) =>
    lifecycle.draining
      ? send(c, '{"status":"draining"}', JSON_TYPE, 503)
      : send(c, '{"status":"ready"}', JSON_TYPE),
  );

  route.get('/info', (c) =>
    send(
      c,
      JSON.stringify({
        implementation: implementation(),
        version: SERVICE_VERSION,
        runtime: runtime(),
        libraries: LIBRARY_VERSIONS,
        limits: {
          maxUploadBytes: config.maxUploadBytes,
          maxInflightUploadBytes: config.maxInflightUploadBytes,
          uploadTimeoutMs: config.uploadTimeoutMs,
          maxInputPixels: config.maxInputPixels,
          requestTimeoutMs: config.requestTimeoutMs,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
        },
        concurrency: {
          concurrency: config.concurrency,
          queueDepth: config.queueDepth,
          uvThreadpoolSize: uvThreadpoolSize(),
          ...sharpSettings(),
          mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
        },
      }),
      JSON_TYPE,
    ),
  );

  route.get('/metrics', async (c) => send(c, await metrics.registry.metrics(), metrics.registry.contentType));

  route.get('/openapi.json', (c) => send(c, openApi, JSON_TYPE));

  return route;
}

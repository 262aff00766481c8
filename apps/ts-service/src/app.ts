// The HTTP application: request id, access log and metrics, routes, 404/405, and the one error handler.

import { CACHE_CONTROL, ContractError, REQUEST_ID_HEADER, ROUTES, type RoutePath } from '@rtip/contract';
import { type Context, Hono } from 'hono';
import type { AppDeps } from './deps.js';
import type { NodeBindings } from './handlers/early-answer.js';
import { answeredAtEdge } from './handlers/edge.js';
import type { AppEnv } from './handlers/env.js';
import { opsRoutes } from './handlers/ops.js';
import { problemResponse } from './handlers/problem.js';
import { processRoutes } from './handlers/process.js';
import { requestIdFrom } from './handlers/request-id.js';

const isRoute = (path: string): path is RoutePath => Object.hasOwn(ROUTES, path);

/**
 * The path as the client sent it. Hono's is parsed by the URL standard, which removes dot segments (`/a/../healthz`
 * becomes `/healthz`); the contract compares paths as sent, never normalised or redirected.
 */
function pathAsSent(c: Context<AppEnv>): string {
  const raw = (c.env as Partial<NodeBindings> | undefined)?.incoming?.url;
  if (raw === undefined || !raw.startsWith('/')) return c.req.path;
  const end = raw.indexOf('?');
  return end < 0 ? raw : raw.slice(0, end);
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { logger, metrics, lifecycle } = deps;
  const app = new Hono<AppEnv>();

  // Request id, then one access-log line and the HTTP metrics once the answer is known.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    c.header(REQUEST_ID_HEADER, requestId);
    c.header('Cache-Control', CACHE_CONTROL);
    await next();
    if (lifecycle.draining) c.header('Connection', 'close');
    // The edge answered this connection while the request was being read (handlers/edge.ts) and counted that answer.
    if (answeredAtEdge((c.env as Partial<NodeBindings> | undefined)?.incoming?.socket)) return;

    const seconds = (performance.now() - started) / 1000;
    const path = pathAsSent(c);
    const status = c.res.status;
    const labels = {
      route: isRoute(path) ? path : 'unmatched',
      method: c.req.method,
      status: String(status),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
    const code = c.get('errorCode');
    if (code) metrics.rejected.inc({ code });
    const shedReason = c.get('shedReason');
    if (shedReason) metrics.shed.inc({ reason: shedReason });
    const declaredIn = Number(c.req.header('content-length') ?? 0);
    const line = {
      requestId,
      method: c.req.method,
      path,
      status,
      durationMs: Math.round(seconds * 1e6) / 1000,
      bytesIn: c.get('bytesIn') ?? (Number.isFinite(declaredIn) ? declaredIn : 0),
      bytesOut: Number(c.res.headers.get('content-length') ?? 0),
      code: code ?? null,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  });

  // A path that only names a route once normalised is not that route.
  app.use('*', async (c, next) => {
    const path = pathAsSent(c);
    if (path !== c.req.path)
      return problemResponse(c, new ContractError('NOT_FOUND', `No route for ${path}.`));
    await next();
  });

  app.route('/', processRoutes(deps));
  app.route('/', opsRoutes(deps));

  // A known path with a method it does not answer: 405 with the methods it does.
  for (const [path, methods] of Object.entries(ROUTES)) {
    app.all(path, (c) =>
      problemResponse(
        c,
        new ContractError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path}.`),
        { Allow: methods.join(', ') },
      ),
    );
  }

  app.notFound((c) => problemResponse(c, new ContractError('NOT_FOUND', `No route for ${c.req.path}.`)));

  app.onError((err, c) => {
    if (err instanceof ContractError && err.code !== 'INTERNAL') return problemResponse(c, err);
    logger.error(
      { requestId: c.get('requestId'), err: err instanceof ContractError ? (err.cause ?? err) : err },
      'unhandled error',
    );
    return problemResponse(c, new ContractError('INTERNAL', 'internal error'));
  });

  return app;
}

// The Node.js HTTP server of an app: its limits and timeouts, the edge (edge.ts) that turns what Node's parser refuses
// into contract answers, early answers with their lingering close, and `Expect: 100-continue` held back until the
// body is wanted. The process (index.ts) and the real-server tests both start the app through here, so they run the
// same edge.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { EDGE_LIMITS } from '@rtip/contract';
import type { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { holdContinue, withEarlyAnswers } from './early-answer.js';
import { Edge, type EdgeLimits } from './edge.js';
import type { AppEnv } from './env.js';

export interface ServerTimings extends EdgeLimits {
  /** How often Node checks the header deadline (its default, 30 s, would let a 10 s deadline fire at up to 40 s). */
  connectionsCheckingIntervalMs: number;
  /** How long an idle kept-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

// Timeouts, chosen so that every deadline is ours and answers with a contract answer. Headers: 10 s
// (EDGE_LIMITS.headersTimeoutMs, 408 HEADERS_TIMEOUT from edge.ts), checked every 500 ms, so the answer comes 10 to
// 10.5 s after the connection or the next request began. Node's whole-request timeout is off (0): a body read by
// POST /process has its own deadline (UPLOAD_TIMEOUT_MS, 408 UPLOAD_TIMEOUT from the route), and a body left unread
// after any other answer is bounded by the lingering close (LINGER_TIMEOUT_MS / LINGER_IDLE_MS), so Node never
// cuts an upload with its bare 408 first. Idle kept-alive connections close after 5 s (Node adds 1 s of slack).
export const SERVER_TIMINGS: ServerTimings = {
  ...EDGE_LIMITS,
  connectionsCheckingIntervalMs: 500,
  keepAliveTimeoutMs: 5_000,
};

export function serveApp(
  app: Hono<AppEnv>,
  deps: Pick<AppDeps, 'linger' | 'metrics' | 'logger'>,
  address: { port: number; hostname: string },
  onListening?: (info: AddressInfo) => void,
  timings: ServerTimings = SERVER_TIMINGS,
): Server {
  const edge = new Edge(deps, timings);
  // The request @hono/node-server is turning into a web Request: its errorHandler (a Host or target it cannot
  // parse) is called synchronously inside the listener call, so this names the request it is about.
  let current: IncomingMessage | undefined;
  const honoListener = getRequestListener(
    withEarlyAnswers((request, env) => app.fetch(request, env), deps.linger),
    {
      hostname: address.hostname,
      errorHandler: (err) => {
        if (current) edge.refuseUnreadable(current, err instanceof Error ? err : new Error(String(err)));
        // Answered (or, without a request to name, nothing to answer on): @hono/node-server writes nothing.
      },
    },
  );

  const server = createServer(
    {
      maxHeaderSize: timings.maxHeaderBytes,
      headersTimeout: timings.headersTimeoutMs,
      requestTimeout: 0,
      connectionsCheckingInterval: timings.connectionsCheckingIntervalMs,
      keepAliveTimeout: timings.keepAliveTimeoutMs,
      // A missing Host is refused by the edge as problem+json, not by Node with a bare 400.
      requireHostHeader: false,
    },
    (req, res) => {
      if (edge.refuse(req)) return;
      res.once('finish', () => edge.answerFinished(req.socket));
      current = req;
      try {
        void honoListener(req, res);
      } finally {
        current = undefined;
      }
    },
  );
  server.on('clientError', edge.onClientError);
  server.on('timeout', edge.onTimeout);
  // With a listener here Node no longer answers `Expect: 100-continue` by itself: the request goes to the app at
  // once, and the 100 is sent only if the app starts reading the body (sendContinue).
  server.on('checkContinue', (request, response) => {
    holdContinue(request);
    server.emit('request', request, response);
  });
  // Any other expectation is ignored (RFC 9110 allows it) rather than answered with Node's bare 417.
  server.on('checkExpectation', (request, response) => server.emit('request', request, response));
  server.listen(address.port, address.hostname, () => onListening?.(server.address() as AddressInfo));
  return server;
}

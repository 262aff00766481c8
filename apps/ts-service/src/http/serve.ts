// The Node.js HTTP server of an app: early answers with their lingering close, `Expect: 100-continue` held back
// until the body is wanted, and the server's own timeouts. The process (index.ts) and the real-server tests both
// start the app through here, so they run the same edge.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { holdContinue, withEarlyAnswers } from './early-answer.js';
import type { AppEnv } from './env.js';
import type { Linger } from './linger.js';

export function serveApp(
  app: Hono<AppEnv>,
  linger: Linger,
  address: { port: number; hostname: string },
  onListening?: (info: AddressInfo) => void,
): Server {
  const server = serve(
    { fetch: withEarlyAnswers((request, env) => app.fetch(request, env), linger), ...address },
    onListening,
  ) as Server;
  // With a listener here Node no longer answers `Expect: 100-continue` by itself: the request goes to the app at
  // once, and the 100 is sent only if the app starts reading the body (sendContinue).
  server.on('checkContinue', (request, response) => {
    holdContinue(request);
    server.emit('request', request, response);
  });
  // Slow clients cannot hold a connection forever; uploads up to MAX_UPLOAD_BYTES get a minute.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

// Early answers (contract README): an answer ready before the request body was read to its end is written whole and
// at once with `Connection: close`, and the response ends only after the lingering close (linger.ts).
//
// Why not let @hono/node-server write it: once a response has ended, the connection is closed soon after whether or
// not its request body was read (at once with `Connection: close`, after 500 ms of draining otherwise); bytes still
// arriving then meet a closed socket and the kernel resets the connection, often before the client has read the
// answer. Ending the response only once the body is drained (or a bound passed) is what lets clients see their 413
// every time.

import { IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { answeredAtEdge } from './edge.js';
import type { Linger } from './linger.js';

/** What @hono/node-server passes as the app's env on an HTTP/1 server. */
export type NodeBindings = HttpBindings;

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/** True when the request has a body that has not been read to its end (and the client is still there). */
export function bodyPending(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  const hasBody =
    incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
  return hasBody && !incoming.readableEnded && !incoming.destroyed;
}

/** Wraps the app's fetch so that every early answer is written, then lingered on, then ended. */
export function withEarlyAnswers(fetch: Fetch, linger: Linger): Fetch {
  return async (request, env) => {
    const response = await fetch(request, env);
    const { incoming, outgoing } = env;
    // The service speaks HTTP/1.1 (node:http); any other binding is passed through as it is.
    if (!(incoming instanceof IncomingMessage) || !(outgoing instanceof ServerResponse)) return response;
    // The edge answered this connection while the route was reading the body (bad chunked framing): that was the
    // answer; this one is dropped.
    if (answeredAtEdge(incoming.socket)) {
      await response.body?.cancel();
      return RESPONSE_ALREADY_SENT;
    }
    if (!bodyPending(incoming) || outgoing.headersSent) return response;
    const body = Buffer.from(await response.arrayBuffer());
    const headers: OutgoingHttpHeaders = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['content-length'] = body.byteLength;
    headers.connection = 'close';
    outgoing.writeHead(response.status, headers);
    // The head and the body leave in one write, now; the response stays open while the body is drained.
    outgoing.write(body);
    void linger.drain(incoming).then(() => outgoing.end());
    return RESPONSE_ALREADY_SENT;
  };
}

// `Expect: 100-continue`: the server's checkContinue handler (serve.ts) holds the 100 back; it is sent when the app
// starts reading the body, so an answer decided before (413 by declared length) goes out without one.
const continueHeld = new WeakSet<IncomingMessage>();

export function holdContinue(incoming: IncomingMessage): void {
  continueHeld.add(incoming);
}

/** Sends the held `100 Continue`, if any: call it right before reading the body. */
export function sendContinue(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (continueHeld.delete(incoming)) outgoing.writeContinue();
}

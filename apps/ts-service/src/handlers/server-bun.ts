// The ts-bun target's server: Bun.serve (Bun's own HTTP server, uWebSockets underneath), behind server.ts's interface.
// What Bun 1.4.4 does at the edge, checked with raw sockets (RUNTIMES.md has the deviations and their links):
// - Heads over Bun's limit get Bun's own bare `431` + `Connection: close`. The limit is a process flag,
//   `bun --max-http-header-size=65536`: then heads from 16 KiB to 64 KiB reach the edge rules (server.ts) and get
//   the contract's problem+json 431.
// - `Content-Length` with `Transfer-Encoding`, any transfer coding but `chunked`, two Content-Lengths, a malformed
//   header line, no Host: Bun's bare `400` + `Connection: close`. Raw non-ASCII or control bytes in the target, and
//   `OPTIONS *`: the connection is closed without an answer.
// - No header deadline of its own: `idleTimeout` (whole seconds) closes a connection that sends no complete request
//   within it, without an answer (408 HEADERS_TIMEOUT is not possible).
// - `request.url` is parsed by the URL standard: dot segments are resolved (`/a/../healthz` arrives as `/healthz`).
//   Bun's `routes` table matches the raw target, so each contract route is registered there: a request that reaches
//   it was sent with exactly that path; one that reaches `fetch` with a route's path was spelled otherwise.
// - An answer whose request body was not read to its end: with `Connection: close` Bun closes the socket at once,
//   unread bytes and all, and the client gets a reset instead of the answer. Without it, Bun reads and drops the
//   rest itself (keep-alive), within `idleTimeout`. A streamed body keeps no Content-Length (Bun frames it chunked,
//   oven-sh/bun#10507), so the service cannot linger itself without losing the answer's framing: early answers are
//   sent whole, with their Content-Length and without `Connection: close`, and Bun's own read-and-drop is the
//   lingering close, bounded by the connection's timeout: no sooner than LINGER_IDLE_MS (Bun's timers tick every
//   4 s: see bunSecondsAtLeast), whether or not the client is still sending.
// - `Expect: 100-continue` is answered `100 Continue` by Bun at once.

import { ROUTES } from '@rtip/contract';
import type {
  AppServer,
  ExchangeHandler,
  ListenOptions,
  Peer,
  RequestInfo,
  ServerRuntime,
} from './server.js';
import { dropBody, OpenAnswers, pathOfUrl } from './server.js';

/** The parts of Bun's API used here (types declared locally: the project does not depend on @types/bun). */
export interface BunServer {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(request: Request): { address: string; port: number; family: string } | null;
  /** The idle timeout of the request's connection, in seconds (0: none). */
  timeout(request: Request, seconds: number): void;
}

type BunHandler = (request: Request, server: BunServer) => Response | Promise<Response>;

export interface BunServeOptions {
  hostname: string;
  port: number;
  /** Seconds without a byte in either direction before Bun closes a connection (at most 255). */
  idleTimeout: number;
  maxRequestBodySize: number;
  development: boolean;
  routes: Record<string, BunHandler>;
  fetch: BunHandler;
  error: (error: Error) => Response;
}

export interface BunGlobal {
  version: string;
  serve(options: BunServeOptions): BunServer;
}

function bunGlobal(): BunGlobal {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun) throw new Error('Bun.serve is not available: run this target with bun');
  return bun;
}

/** Whole seconds for Bun's timeouts (1 to 255). */
export const bunSeconds = (ms: number) => Math.min(255, Math.max(1, Math.ceil(ms / 1000)));

/**
 * Bun checks connection timeouts on one sweep every 4 s for the whole server: a timeout of s seconds fires at the
 * ((s + 3) >> 2)th sweep after it was set, so anywhere from 4·(that − 1) to 4·that seconds later (measured with
 * Bun 1.4.4: 2 s fired after 0.4–4.0 s, 5 s after 4.4–8.0 s).
 */
const BUN_SWEEP_S = 4;

/**
 * Seconds for `server.timeout` so that Bun does not close the connection before `ms` has passed (it closes it at
 * most two sweeps, 8 s, after that). A lingering close that could fire at the next sweep, 0–4 s away, would cut a
 * client still sending the body it was answered over, and the request it sends next.
 */
export function bunSecondsAtLeast(ms: number): number {
  const sweeps = Math.ceil(ms / 1000 / BUN_SWEEP_S) + 1;
  // The fewest seconds Bun counts as that many sweeps: (s + 3) >> 2 = sweeps for s = 4·sweeps − 3.
  return Math.min(255, BUN_SWEEP_S * sweeps - 3);
}

/**
 * The path as sent, for a request that reached `fetch` (no route table entry matched its raw target): a contract
 * route's path there means the client spelled it otherwise (`/a/../healthz`, `/%2e/info`), and the spelling is lost.
 */
export function bunPathAsSent(url: string): string | undefined {
  const path = pathOfUrl(url);
  return Object.hasOwn(ROUTES, path) ? undefined : path;
}

function peerOf(server: BunServer, request: Request): Peer | undefined {
  const ip = server.requestIP(request);
  return ip ? { address: ip.address, port: ip.port } : undefined;
}

/**
 * An early answer on Bun: without `Connection: close` (which would make Bun close with the body unread: a reset), so
 * that Bun reads and drops the rest of the body; its connection then times out after LINGER_IDLE_MS without a byte.
 */
export function bunEarlyAnswer(response: Response): Response {
  if (!response.headers.has('connection')) return response;
  const headers = new Headers(response.headers);
  headers.delete('connection');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** How long a client still sending may pause before an early answer to its `Connection: close` request goes out. */
const QUIET_MS = 250;

export const bunServer: ServerRuntime = {
  name: 'bun',
  implementation: 'ts-bun',

  async listen(handler: ExchangeHandler, options: ListenOptions): Promise<AppServer> {
    const bun = bunGlobal();
    const open = new OpenAnswers();
    const { limits } = options;

    const serve = (request: Request, server: BunServer, pathAsSent: string | undefined) => {
      const info: RequestInfo = { pathAsSent, peer: peerOf(server, request) };
      // A request with a body may take longer than the idle timeout without a byte moving (an image being
      // processed): the upload deadline and REQUEST_TIMEOUT_MS bound it instead.
      if (request.method !== 'GET' && request.method !== 'HEAD') server.timeout(request, 0);
      const answered = handler(request, info).then(async ({ response, pendingBody }) => {
        if (!pendingBody) return response;
        server.timeout(request, bunSecondsAtLeast(limits.lingerIdleMs));
        // Bun closes a connection whose request said `Connection: close` as soon as the answer is written, with
        // the rest of the body unread, and a client still sending then gets a reset instead of the answer. So for
        // such a request the answer waits until the rest is read and dropped, for at most LINGER_TIMEOUT_MS, or
        // until the client has sent nothing for QUIET_MS: a client that waits for the answer before it sends (or
        // has stopped) gets it at once, and has nothing in flight that would turn the close into a reset.
        if (/\bclose\b/i.test(request.headers.get('connection') ?? '')) {
          await dropBody(pendingBody, {
            idleMs: Math.min(QUIET_MS, limits.lingerIdleMs),
            timeoutMs: limits.lingerTimeoutMs,
          });
        }
        return bunEarlyAnswer(response);
      });
      open.hold(answered);
      return answered;
    };

    const routes: Record<string, BunHandler> = {};
    for (const path of Object.keys(ROUTES)) routes[path] = (request, server) => serve(request, server, path);

    let server: BunServer;
    try {
      server = bun.serve({
        hostname: options.hostname,
        port: options.port,
        // The header deadline, as near as Bun has one: a connection idle this long is closed (no 408).
        idleTimeout: bunSeconds(limits.headersTimeoutMs),
        // The service counts the body itself (MAX_UPLOAD_BYTES, 413 mid-stream); Bun's own limit would answer
        // first, and bare. A lingering read of a body far over the limit must not hit it either.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        development: false,
        routes,
        fetch: (request, srv) => serve(request, srv, bunPathAsSent(request.url)),
        // Only reached if the exchange handler itself throws (the app answers its own errors).
        error: () => new Response(null, { status: 500, headers: { Connection: 'close' } }),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`listen on ${options.hostname}:${options.port}: ${message}`, { cause: err });
    }

    const hostname = server.hostname;
    return {
      address: {
        address: hostname,
        port: server.port,
        family: hostname.includes(':') ? 'IPv6' : 'IPv4',
      },
      open,
      // stop(): no new connections, idle ones closed; resolves once the requests in flight have ended.
      close: () => server.stop(false),
      closeAll: () => void server.stop(true),
    };
  },
};

// What the edge policy (contract README, "Edge policy" and "Early answers") needs from an HTTP server that speaks web
// Request/Response (Bun.serve, Deno.serve), the part of it that is the same on every such server, and the service
// run on one of them. One implementation per runtime: server-bun.ts, server-deno.ts. The Node.js server (serve.ts,
// edge.ts, early-answer.ts, linger.ts) does the same through node:http.
//
// Split of the work:
// - the runtime's server: listening, HTTP/1.1 parsing and its own refusals, the header deadline, closing idle
//   connections, the raw path as sent (when it can tell it), the peer address, graceful close;
// - here: the rules of a parsed head that the runtime's parser lets through (its exact size, Host, the transfer
//   coding, raw bytes in the target) answered as problem+json, the request body tapped so that an answer given
//   before it was read to its end is known (an early answer) and the rest is handed to the runtime's entry,
//   the count of open answers for the drain, and the service's life (serveOn, the counterpart of index.ts's run()).

import {
  buildProblem,
  CACHE_CONTROL,
  DEFAULT_PORTS,
  EDGE_LIMITS,
  ERRORS,
  type ErrorCode,
  PROBLEM_CONTENT_TYPE,
  REQUEST_ID_HEADER,
  type ServiceConfig,
} from '@rtip/contract';
import type { Hono } from 'hono';
import { type DestinationStream, destination } from 'pino';
import type { Admission } from '../admission/admission.js';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { prepare } from '../index.js';
import { runtime, sharpSettings } from '../runtime-info.js';
import { type EdgeLimits, recordEdgeAnswer } from './edge.js';
import type { AppEnv } from './env.js';
import { requestIdFrom } from './request-id.js';

/** The client's end of a connection, for logs. */
export interface Peer {
  address: string;
  port: number;
}

/** What the server knows about a request beyond the web Request. */
export interface RequestInfo {
  /**
   * The path of the request target as the client sent it (no query). `undefined` when the server rewrote it (Bun
   * resolves dot segments in `request.url`) and the spelling sent is lost: it was then not the path of `request.url`.
   */
  pathAsSent: string | undefined;
  peer: Peer | undefined;
  /**
   * Settles once the runtime is done with the answer (written out, or the connection gone): Deno's
   * `info.completed`. Absent where the runtime does not say (Bun).
   */
  sent?: Promise<void>;
}

/** An answer, and the rest of the request body when the answer came before the body was read to its end. */
export interface Exchange {
  response: Response;
  /** Set for an early answer: the body still to be read (and dropped) by a lingering close. */
  pendingBody: ReadableStream<Uint8Array> | undefined;
}

/** The app behind the edge rules, as a server calls it. */
export type ExchangeHandler = (request: Request, info: RequestInfo) => Promise<Exchange>;

/** The server's limits: the edge's (16 KiB of head, 10 s to send it) and the lingering close's idle bound. */
export interface ServerLimits extends EdgeLimits {
  lingerIdleMs: number;
  lingerTimeoutMs: number;
}

export interface ListenOptions {
  hostname: string;
  port: number;
  limits: ServerLimits;
}

/** A server listening. */
export interface AppServer {
  /** Where it listens. */
  readonly address: { address: string; port: number; family: 'IPv4' | 'IPv6' };
  /** Answers not yet handed to the runtime to the end (a lingering answer stays open while it lingers). */
  readonly open: OpenAnswers;
  /** Stops listening and resolves once every connection has ended (idle keep-alive ones are closed). */
  close(): Promise<void>;
  /** Cuts every connection now. */
  closeAll(): void;
}

/** One runtime's HTTP server. */
export interface ServerRuntime {
  readonly name: 'node' | 'bun' | 'deno';
  /** The contract's name of the target (its default port: DEFAULT_PORTS). */
  readonly implementation: 'ts-bun' | 'ts-deno';
  /** Starts serving; rejects with `listen on HOST:PORT: …` when the address cannot be listened on. */
  listen(handler: ExchangeHandler, options: ListenOptions): Promise<AppServer>;
}

/** Counts answers in progress; the drain waits for none. */
export class OpenAnswers {
  #open = 0;
  readonly #waiting: Array<() => void> = [];

  get count(): number {
    return this.#open;
  }

  /** Counts one answer until `done` settles. */
  hold(done: Promise<unknown>): void {
    this.#open++;
    const release = () => {
      this.#open--;
      if (this.#open === 0) for (const wake of this.#waiting.splice(0)) wake();
    };
    done.then(release, release);
  }

  /** Resolves once no answer is open (at once if none is). */
  idle(): Promise<void> {
    return this.#open === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** True when the head declares a body: a Transfer-Encoding, or a Content-Length other than 0. */
export function declaresBody(headers: Headers): boolean {
  if (headers.has('transfer-encoding')) return true;
  const length = headers.get('content-length');
  return length !== null && length.trim() !== '0';
}

/** A request whose body is read through a tap: it knows when the body ended, and keeps the rest (the entry cancels it). */
export interface TappedRequest {
  request: Request;
  /** The rest of the body when it has not been read to its end (nor failed), else undefined. */
  rest(): ReadableStream<Uint8Array> | undefined;
}

/**
 * Puts a tap on the request's body. The app reads the tapped request's body; when it stops early (a refusal cancels
 * it), the original stays open so that a lingering close can read and drop the rest.
 */
export function tapBody(request: Request): TappedRequest {
  const body = request.body;
  if (!body || !declaresBody(request.headers)) return { request, rest: () => undefined };
  // A method a web Request may not carry a body with (GET, HEAD) or may not have at all (TRACE, CONNECT): the app
  // gets the request as it came (no route reads its body) and the entry the rest of the body.
  if (!/^(POST|PUT|PATCH|DELETE|OPTIONS)$/i.test(request.method)) {
    return { request, rest: () => (request.bodyUsed ? undefined : body) };
  }
  const reader = body.getReader();
  let finished = false;
  const tap = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          finished = true; // the client went away or broke the framing: nothing left to linger on
          throw err;
        }
        if (chunk.done) {
          finished = true;
          controller.close();
        } else controller.enqueue(chunk.value);
      },
      // The app stopped reading (a refusal): the rest stays with the reader, for the lingering close.
      cancel() {},
    },
    { highWaterMark: 0 },
  );
  const init = {
    method: request.method,
    headers: request.headers,
    body: tap,
    duplex: 'half',
  } as RequestInit;
  return {
    request: new Request(request.url, init),
    rest: () => {
      if (finished) return undefined;
      finished = true;
      // A read is started now, before the answer goes back to the server: Deno stops the body of a request whose
      // answer it gets while no read of the body is pending (the client then gets a reset).
      let first: Promise<Awaited<ReturnType<typeof reader.read>>> | undefined = reader.read();
      first.catch(() => undefined);
      return new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const pending = first ?? reader.read();
            first = undefined;
            const chunk = await pending;
            if (chunk.done) controller.close();
            else controller.enqueue(chunk.value);
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 },
      );
    },
  };
}

/**
 * The path of a request URL as the runtime wrote it (no parsing, so no normalisation): up to the query. A `#` is
 * part of it: a raw target has no fragment, so `/healthz#x` is a path that names no route, as on Node.
 */
export function pathOfUrl(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const query = url.indexOf('?', start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

/** The query part of a request URL, with its `?`, or ''. */
function queryOfUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return '';
  const hash = url.indexOf('#', at);
  return hash < 0 ? url.slice(at) : url.slice(at, hash);
}

/** A refusal of the edge: its code and detail. */
export interface EdgeRefusal {
  code: ErrorCode;
  detail: string;
}

const invalid = (reason: string): EdgeRefusal => ({
  code: 'INVALID_REQUEST',
  detail: `The request is not valid HTTP/1.1: ${reason}.`,
});

/**
 * Size of the head as sent, from what the server parsed: request line, header lines, final CRLF. Servers that fold
 * repeated headers into one (`a, b`) make it a few bytes larger than sent; close enough for a 16 KiB limit.
 */
export function headBytes(request: Request, target: string): number {
  let bytes = `${request.method} ${target} HTTP/1.1\r\n\r\n`.length;
  request.headers.forEach((value, name) => {
    bytes += name.length + value.length + 4;
  });
  return bytes;
}

/** A byte outside visible ASCII: in a target, a raw non-ASCII or control byte (a server that keeps them as sent). */
const RAW_BYTE = /[^\x21-\x7e]/;

/**
 * The rules of a parsed head that a web server lets through (the Node edge's refuse(), edge.ts): its exact size, the
 * transfer coding, raw bytes in the target, the Host header. Undefined when the head passes.
 */
export function refuseHead(request: Request, target: string, limits: EdgeLimits): EdgeRefusal | undefined {
  if (headBytes(request, target) > limits.maxHeaderBytes) {
    return {
      code: 'HEADERS_TOO_LARGE',
      detail: `The request line and headers are larger than ${limits.maxHeaderBytes} bytes.`,
    };
  }
  const te = request.headers.get('transfer-encoding');
  if (te !== null && !/^chunked$/i.test(te.trim())) return invalid('a transfer coding other than chunked');
  if (RAW_BYTE.test(target)) return invalid('raw non-ASCII or control bytes in the request target');
  const host = request.headers.get('host');
  // A server that has no HTTP version to show (Deno) is taken to speak HTTP/1.1, where Host is required.
  if (host === null) return invalid('no Host header');
  // Servers fold repeated headers into one value; a Host value has no comma of its own.
  if (host.includes(',')) return invalid('more than one Host header');
  return undefined;
}

/** The edge's own answer: problem+json, a new request id, `Connection: close`; logged and counted like Node's. */
export function edgeAnswer(
  refusal: EdgeRefusal,
  deps: Pick<AppDeps, 'metrics' | 'logger'>,
  cause: string,
  peer?: Peer,
): Response {
  const requestId = requestIdFrom(undefined);
  const body = new TextEncoder().encode(
    JSON.stringify(buildProblem(refusal.code, refusal.detail, requestId)),
  );
  const { status } = ERRORS[refusal.code];
  recordEdgeAnswer(deps, {
    requestId,
    status,
    code: refusal.code,
    bytesOut: body.byteLength,
    cause,
    ...(peer && { peer: `${peer.address}:${peer.port}` }),
  });
  return new Response(body, {
    status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'Content-Length': String(body.byteLength),
      [REQUEST_ID_HEADER]: requestId,
      'Cache-Control': CACHE_CONTROL,
      Connection: 'close',
    },
  });
}

/**
 * What the app gets as `c.env` on a web server. app.ts reads the path as sent from `incoming.url` (Node's
 * IncomingMessage); here it is given the same way, so that the app needs no change to compare paths as sent. An
 * `incoming` without `outgoing` makes process.ts read the web body (readLimited), as it should.
 */
export interface WebBindings {
  incoming: { url: string };
  peer: Peer | undefined;
  /** RequestInfo's `sent`: when the answer's memory may be freed. */
  sent: Promise<void> | undefined;
}

/** The path the app compares with its route when the server lost the spelling sent (see RequestInfo). */
export const normalisedPath = (path: string) => `${path} (sent otherwise: the server resolved it)`;

/**
 * The app behind the edge rules: refuses what the runtime's parser let through, taps the body, calls the app with
 * the path as sent, and says whether the answer is early (body not read to its end).
 */
export function exchangeHandler(
  app: Hono<AppEnv>,
  deps: Pick<AppDeps, 'metrics' | 'logger'>,
  limits: EdgeLimits = EDGE_LIMITS,
): ExchangeHandler {
  return async (request, info) => {
    const url = request.url;
    const sent = info.pathAsSent ?? pathOfUrl(url);
    const refusal = refuseHead(request, sent + queryOfUrl(url), limits);
    const tapped = tapBody(request);
    if (refusal) {
      return { response: edgeAnswer(refusal, deps, 'head', info.peer), pendingBody: tapped.rest() };
    }
    const env: WebBindings = {
      incoming: { url: info.pathAsSent ?? normalisedPath(pathOfUrl(url)) },
      peer: info.peer,
      sent: info.sent,
    };
    const response = await app.fetch(tapped.request, env);
    return { response, pendingBody: tapped.rest() };
  };
}

/** The address line of the 'listening' log. */
function addressText(address: AppServer['address']): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The limits the servers are given: the contract's edge limits and the configured lingering bound. */
export function serverLimits(config: Pick<ServiceConfig, 'lingerIdleMs' | 'lingerTimeoutMs'>): ServerLimits {
  return { ...EDGE_LIMITS, lingerIdleMs: config.lingerIdleMs, lingerTimeoutMs: config.lingerTimeoutMs };
}

/**
 * The service on `server`, like index.ts's run() does it on Node: reads the configuration, configures sharp, serves
 * the app until `signal` aborts, drains (the same steps as run(): /readyz 503, new images refused, images and open
 * answers waited for, then the listener closed and the connections waited for, at most SHUTDOWN_TIMEOUT_MS), and
 * returns.
 */
export async function serveOn(
  server: ServerRuntime,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdout: DestinationStream,
  signal?: AbortSignal,
): Promise<void> {
  const { config, deps, pool } = prepare(args, env, stdout, DEFAULT_PORTS[server.implementation]);
  const { logger, lifecycle } = deps;
  let listening: AppServer;
  try {
    [listening] = await Promise.all([
      server.listen(exchangeHandler(createApp(deps), deps), {
        hostname: config.host,
        port: config.port,
        limits: serverLimits(config),
      }),
      pool.start(),
    ]);
  } catch (err) {
    await pool.close();
    throw err;
  }
  logger.info(
    {
      address: addressText(listening.address),
      port: listening.address.port,
      runtime: runtime(),
      concurrency: config.concurrency,
      queueDepth: config.queueDepth,
      pipelineWorkers: pool.workers,
      ...sharpSettings(),
    },
    'listening',
  );

  const reason = await new Promise<unknown>((resolve) => {
    if (!signal) return; // serves until the process ends
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

  lifecycle.draining = true;
  logger.info(
    { ...(typeof reason === 'string' && { signal: reason }), shutdownTimeoutMs: config.shutdownTimeoutMs },
    'draining',
  );
  const forced = await drain(listening, deps.admission, config.shutdownTimeoutMs);
  await pool.close();
  logger.info({ forced }, 'stopped');
}

/** run()'s drain (index.ts) on a web server: images, then open answers, then the listener and the connections. */
async function drain(server: AppServer, admission: Admission, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const drained = (async () => {
    while (admission.running > 0 || admission.waiting > 0 || server.open.count > 0) {
      await Promise.all([admission.idle(), server.open.idle()]);
    }
    await server.close();
    return false;
  })();
  const forced = await Promise.race([drained, deadline]);
  clearTimeout(timer);
  if (forced) server.closeAll();
  return forced;
}

/**
 * The process entry of a web-server target (main-bun.ts, main-deno.ts): serveOn with the process's arguments and
 * environment, JSON log lines on stdout, SIGTERM/SIGINT to drain; exits 0 once drained, 1 with the reason on
 * stderr when it cannot start.
 */
export function serveProcess(server: ServerRuntime): void {
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort('SIGTERM'));
  process.once('SIGINT', () => stop.abort('SIGINT'));
  serveOn(server, process.argv.slice(2), process.env, destination({ dest: 1, sync: true }), stop.signal).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`ts-service: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Reads and drops the rest of a body until it ends, `idleMs` pass without a byte or `timeoutMs` in all; then
 * cancels what is left. For a server that would close with the body unread (Bun after a `Connection: close`
 * request): the answer waits for this instead of being lost to a reset.
 */
export async function dropBody(
  body: ReadableStream<Uint8Array>,
  bounds: { idleMs: number; timeoutMs: number },
): Promise<'drained' | 'timed_out'> {
  const reader = body.getReader();
  const deadline = performance.now() + bounds.timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (;;) {
      const wait = Math.min(bounds.idleMs, deadline - performance.now());
      if (wait <= 0) return 'timed_out';
      const next = await Promise.race([
        reader.read(),
        new Promise<'timed_out'>((resolve) => {
          timer = setTimeout(() => resolve('timed_out'), wait);
        }),
      ]);
      clearTimeout(timer);
      if (next === 'timed_out') return 'timed_out';
      if (next.done) return 'drained';
    }
  } catch {
    return 'drained'; // the client went away: nothing left to read
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
  }
}

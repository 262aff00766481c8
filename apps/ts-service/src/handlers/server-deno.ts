// The ts-deno target's server: Deno.serve (Deno's own HTTP server, hyper underneath), behind server.ts's interface.
// What Deno 2.9.6 does at the edge, checked with raw sockets (RUNTIMES.md has the deviations and their links):
// - Heads up to about 64 KiB are parsed and passed on: the edge rules (server.ts) answer those over 16 KiB with the
//   contract's problem+json 431. Larger ones get hyper's bare `400` and a reset.
// - `Content-Length` with `Transfer-Encoding`, `Transfer-Encoding: gzip`, two Content-Lengths, a malformed header
//   line: hyper's bare `400` (no body, no problem+json). Two Host headers: closed without an answer. `gzip, chunked`,
//   raw non-ASCII bytes in the target and a missing Host are passed on: the edge rules refuse them.
// - No header deadline at all: a connection that never completes its head stays open (denoland/deno#3515).
// - `request.url` keeps the target as sent (`/a/../healthz` stays so): the path as sent is read from it.
// - Early answers. A streamed body keeps its declared Content-Length, so the service could do its own lingering
//   close as on Node (answer whole, end the response once deps.linger has drained the body), but Deno 2.9.6 still
//   has denoland/deno#36624: once
//   a handler has crossed a macrotask boundary, the body of a request answered with a streamed response can no
//   longer be read, the linger ends at once and the connection is reset right after the answer, often before a
//   client that is still writing has read it (fetch: EPIPE). So the answer goes out plain (whole, Content-Length)
//   and the rest of the body is cancelled: Deno stops reading it; the client reads its answer and closes, or the
//   connection stays open until it does (no bound: Deno has no idle timeout either).
// - A `Connection: close` set by the service is sent but not acted on (denoland/deno#9411): the connection stays
//   open until the client closes it.
// - `Expect: 100-continue` is answered `100 Continue` by hyper at once.
// - info.completed resolves once an answer has been written whole: the drain waits for it.

import type { AppServer, ExchangeHandler, ListenOptions, ServerRuntime } from './server.js';
import { OpenAnswers, pathOfUrl } from './server.js';

/** The parts of Deno's API used here (types declared locally: the project's types are Node's). */
export interface DenoServeHandlerInfo {
  remoteAddr: { hostname: string; port: number; transport: string };
  /** Resolves once the answer has been sent (rejects if the connection failed first). */
  completed: Promise<void>;
}

export interface DenoHttpServer {
  readonly addr: { hostname: string; port: number; transport: string };
  readonly finished: Promise<void>;
  /** Stops listening, closes idle connections, waits for the answers in flight. */
  shutdown(): Promise<void>;
}

export interface DenoServeOptions {
  hostname: string;
  port: number;
  onListen?: (addr: { hostname: string; port: number }) => void;
  onError?: (error: unknown) => Response | Promise<Response>;
}

export interface DenoGlobal {
  version: { deno: string };
  serve(
    options: DenoServeOptions,
    handler: (request: Request, info: DenoServeHandlerInfo) => Response | Promise<Response>,
  ): DenoHttpServer;
}

function denoGlobal(): DenoGlobal {
  const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (!deno) throw new Error('Deno.serve is not available: run this target with deno');
  return deno;
}

export const denoServer: ServerRuntime = {
  name: 'deno',
  implementation: 'ts-deno',

  async listen(handler: ExchangeHandler, options: ListenOptions): Promise<AppServer> {
    const deno = denoGlobal();
    const open = new OpenAnswers();
    let server: DenoHttpServer;
    try {
      server = deno.serve(
        { hostname: options.hostname, port: options.port, onListen: () => {} },
        async (request, info) => {
          open.hold(info.completed);
          const { hostname, port } = info.remoteAddr;
          const { response, pendingBody } = await handler(request, {
            pathAsSent: pathOfUrl(request.url),
            peer: { address: hostname, port },
            sent: info.completed,
          });
          // An early answer: see the header (no lingering close until denoland/deno#36624 is fixed).
          if (pendingBody) void pendingBody.cancel().catch(() => undefined);
          return response;
        },
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`listen on ${options.hostname}:${options.port}: ${message}`, { cause: err });
    }
    const { hostname, port } = server.addr;
    let closing: Promise<void> | undefined;
    return {
      address: { address: hostname, port, family: hostname.includes(':') ? 'IPv6' : 'IPv4' },
      open,
      close: () => {
        closing ??= server.shutdown();
        return closing;
      },
      // Deno has no call that cuts connections: the process exit does (the entry exits once serveOn returns).
      closeAll: () => {
        closing ??= server.shutdown();
      },
    };
  },
};

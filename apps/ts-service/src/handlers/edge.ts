// The server's edge (contract README, "Edge policy", step 1): a request that Node's HTTP parser refuses, or whose head
// breaks a rule before any route, gets a problem+json answer written straight to the socket — never Node's bare
// `400`/`408`/`431` — with a new X-Request-Id and `Connection: close`, logged and counted like any answer
// (route "unmatched", method "UNKNOWN"). The connection then lingers (linger.ts) and closes.
//
// What Node 26 reports (checked with raw sockets, see edge.test.ts):
// - a head over `maxHeaderSize`: HPE_HEADER_OVERFLOW. Node counts only the target, header names and values (not the
//   method, version, ": " or CRLFs), so the contract's exact count is checked again on the parsed head (refuse()).
// - the header deadline: ERR_HTTP_REQUEST_TIMEOUT, on a new connection (with or without bytes) and on a kept-alive
//   one once a byte of the next request came; an idle kept-alive connection is left to the keep-alive timeout.
// - Content-Length with Transfer-Encoding: HPE_INVALID_TRANSFER_ENCODING or HPE_INVALID_CONTENT_LENGTH (by header
//   order), reason "… can't be present with …"; two different Content-Lengths: HPE_UNEXPECTED_CONTENT_LENGTH.
// - raw non-ASCII or control bytes in the target: HPE_INVALID_URL; a malformed header line: HPE_INVALID_HEADER_TOKEN.
// - a transfer coding other than chunked: HPE_INVALID_TRANSFER_ENCODING, but only once the body starts (the request
//   event comes first), and `gzip, chunked` is accepted: hence the check in refuse().
// - bad chunked framing: HPE_INVALID_CHUNK_SIZE, HPE_STRICT (chunk extensions), … while a route reads the body.
// - the client going away: ECONNRESET, or HPE_INVALID_EOF_STATE when it ended inside a request.

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  buildProblem,
  CACHE_CONTROL,
  ERRORS,
  type ErrorCode,
  PROBLEM_CONTENT_TYPE,
  REQUEST_ID_HEADER,
} from '@rtip/contract';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Linger } from './linger.js';
import { requestIdFrom } from './request-id.js';

export interface EdgeLimits {
  /** Request line and headers, as received, CRLFs included (EDGE_LIMITS.maxHeaderBytes). */
  maxHeaderBytes: number;
  /** From a new connection, or the first byte of the next request, to the end of the headers. */
  headersTimeoutMs: number;
}

export interface EdgeDeps {
  metrics: Metrics;
  logger: Logger;
  linger: Linger;
}

/** The error Node passes to 'clientError': its code, and llhttp's reason for parse errors. */
export type ClientError = Error & { code?: string; reason?: string };

/** What Node keeps on a server socket: the response being written on it, if any (undocumented, stable since 0.x). */
type ServerSocket = Duplex & { bytesRead?: number; _httpMessage?: ServerResponse | null };

/** Connections answered here: whatever happens on them later (a route's answer, more errors) is not theirs to send. */
const answered = new WeakSet<object>();

/** Connections that close once the answer being written on them is out: the edge cannot answer in its place. */
const closing = new WeakSet<object>();

/** True once the edge has answered on this connection; a route still running on it must not answer or count. */
export function answeredAtEdge(socket: object | null | undefined): boolean {
  return socket != null && answered.has(socket);
}

/** "The request is not valid HTTP/1.1: <reason>." — the reason of each parser error code, in a few words. */
const PARSE_REASONS: Record<string, string> = {
  HPE_INVALID_URL: 'raw non-ASCII or control bytes in the request target',
  HPE_INVALID_METHOD: 'malformed request line',
  HPE_INVALID_VERSION: 'malformed request line',
  HPE_INVALID_CONSTANT: 'malformed request line',
  HPE_INVALID_HEADER_TOKEN: 'malformed header line',
  HPE_LF_EXPECTED: 'malformed line ending',
  HPE_CR_EXPECTED: 'malformed line ending',
  HPE_INVALID_CONTENT_LENGTH: 'malformed Content-Length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'conflicting Content-Length headers',
  HPE_INVALID_TRANSFER_ENCODING: 'a transfer coding other than chunked',
  HPE_INVALID_CHUNK_SIZE: 'malformed chunked body',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'malformed chunked body',
};
const CL_WITH_TE = 'Content-Length together with Transfer-Encoding';

/** A client error the edge answers, or undefined: the connection is just closed. */
function classify(
  err: ClientError,
  socket: ServerSocket,
  limits: EdgeLimits,
  idleAt: number,
): { code: ErrorCode; detail: string } | undefined {
  const code = err.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // No byte of a request since the connection opened or the last answer: an idle connection, closed silently.
    if ((socket.bytesRead ?? 0) <= idleAt) return undefined;
    return {
      code: 'HEADERS_TIMEOUT',
      detail: `The request line and headers did not arrive within ${limits.headersTimeoutMs} ms.`,
    };
  }
  if (code === 'HPE_HEADER_OVERFLOW') return headersTooLarge(limits);
  // The client reset the connection or ended it inside a request: nobody to answer.
  if (!code.startsWith('HPE_') || code === 'HPE_INVALID_EOF_STATE') return undefined;
  const reason = /can't be present with/i.test(err.reason ?? '')
    ? CL_WITH_TE
    : (PARSE_REASONS[code] ?? 'malformed request');
  return invalid(reason);
}

const headersTooLarge = (limits: EdgeLimits) => ({
  code: 'HEADERS_TOO_LARGE' as const,
  detail: `The request line and headers are larger than ${limits.maxHeaderBytes} bytes.`,
});

const invalid = (reason: string) => ({
  code: 'INVALID_REQUEST' as const,
  detail: `The request is not valid HTTP/1.1: ${reason}.`,
});

/** Size of a parsed request's head as sent: request line, header lines, final CRLF (OWS around values aside). */
export function headBytes(req: IncomingMessage): number {
  let bytes = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n\r\n`.length;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    bytes += (raw[i] as string).length + (raw[i + 1] as string).length + 4;
  return bytes;
}

export class Edge {
  readonly limits: EdgeLimits;
  readonly #deps: EdgeDeps;
  /** socket.bytesRead when the connection's last answer finished: more means a next request has begun. */
  readonly #idleAt = new WeakMap<object, number>();

  constructor(deps: EdgeDeps, limits: EdgeLimits) {
    this.#deps = deps;
    this.limits = limits;
  }

  /** The server's 'clientError' listener: Node's parser refused the request, timed it out, or lost the client. */
  readonly onClientError = (err: ClientError, socket: ServerSocket): void => {
    // Answered already (the lingering close owns the connection), or closing after the answer in progress.
    if (answered.has(socket) || closing.has(socket)) return;
    const answer = classify(err, socket, this.limits, this.#idleAt.get(socket) ?? 0);
    if (!answer) {
      socket.destroy();
      return;
    }
    this.#answer(socket, answer.code, answer.detail, err.code ?? 'unknown');
  };

  /**
   * The server's 'timeout' listener. The only socket timeout set is Node's keep-alive one; when it fires while the
   * next request's head is arriving, the header deadline decides (408 then), else the idle connection is closed.
   */
  readonly onTimeout = (socket: ServerSocket): void => {
    if (answered.has(socket) || closing.has(socket)) return;
    if ((socket.bytesRead ?? 0) > (this.#idleAt.get(socket) ?? 0)) return;
    socket.destroy();
  };

  /** Called when an answer on `socket` finished: bytes read after it belong to a next request. */
  answerFinished(socket: ServerSocket): void {
    this.#idleAt.set(socket, socket.bytesRead ?? 0);
  }

  /**
   * The rules of a parsed head that Node lets through: its exact size, the transfer coding, the Host header.
   * Returns true when the request was answered here (the caller must not route it).
   */
  refuse(req: IncomingMessage): boolean {
    const socket = req.socket as ServerSocket;
    if (answered.has(socket)) return true;
    const te = req.headers['transfer-encoding'];
    let hosts = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (/^host$/i.test(req.rawHeaders[i] as string)) hosts++;
    let answer: { code: ErrorCode; detail: string } | undefined;
    if (headBytes(req) > this.limits.maxHeaderBytes) answer = headersTooLarge(this.limits);
    else if (te !== undefined && !/^chunked$/i.test(te.trim()))
      answer = invalid(PARSE_REASONS.HPE_INVALID_TRANSFER_ENCODING as string);
    else if (req.httpVersion === '1.1' && hosts === 0) answer = invalid('no Host header');
    else if (hosts > 1) answer = invalid('more than one Host header');
    if (!answer) return false;
    this.#answer(socket, answer.code, answer.detail, 'head', req);
    return true;
  }

  /**
   * A request @hono/node-server could not turn into a URL: an invalid Host, a backslash in the path, or a target
   * that is not a path (`OPTIONS *`, which has no route: 404 as for any unknown path).
   */
  refuseUnreadable(req: IncomingMessage, err: Error): void {
    const socket = req.socket as ServerSocket;
    if (req.url === '*') {
      this.#answer(socket, 'NOT_FOUND', 'No route for *.', 'target', req);
      return;
    }
    const host = req.headers.host;
    const reason = /backslash/i.test(err.message)
      ? 'a backslash in the request path'
      : /host/i.test(err.message) || (host !== undefined && !URL.canParse(`http://${host}/`))
        ? 'an invalid Host header'
        : 'an invalid request target';
    const answer = invalid(reason);
    this.#answer(socket, answer.code, answer.detail, 'target', req);
  }

  /**
   * Writes the answer at once and ends the socket (Connection: close), then lingers: the connection is taken from
   * Node's parser and whatever the client still sends is read and dropped, within the linger's bounds, so the close
   * is a FIN and the client reads its answer. `req` is the request answered, when it was parsed.
   */
  #answer(socket: ServerSocket, code: ErrorCode, detail: string, cause: string, req?: IncomingMessage): void {
    // An answer is being written on this connection already (an early answer lingering, or the answer to an
    // earlier pipelined request): ours cannot go first, nor in the middle. That answer goes out whole, then the
    // connection closes; meanwhile Node's parser keeps reading and dropping what arrives.
    const inFlight = socket._httpMessage;
    if (inFlight && (inFlight.headersSent || (inFlight.req !== req && inFlight.req.complete))) {
      closing.add(socket);
      inFlight.once('close', () => socket.destroy());
      return;
    }
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const requestId = requestIdFrom(undefined);
    const body = Buffer.from(JSON.stringify(buildProblem(code, detail, requestId)));
    const { status } = ERRORS[code];
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Date: ${new Date().toUTCString()}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${body.byteLength}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      `Cache-Control: ${CACHE_CONTROL}\r\n` +
      'Connection: close\r\n\r\n';
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    this.#record(requestId, status, code, body.byteLength, cause);

    // Node's parser stops reading here: its 'data' listener goes, and the linger's own 'data' listener makes Node
    // hand the stream back (it "unconsumes" a socket that gets a 'data' listener).
    socket.removeAllListeners('data');
    void this.#deps.linger.drain(socket).then(() => socket.destroy());
  }

  #record(requestId: string, status: number, code: ErrorCode, bytesOut: number, cause: string): void {
    recordEdgeAnswer(this.#deps, { requestId, status, code, bytesOut, cause });
  }
}

/** An edge answer in the log and the metrics: route "unmatched", method "UNKNOWN" (the head was not accepted). */
export function recordEdgeAnswer(
  { metrics, logger }: { metrics: Metrics; logger: Logger },
  answer: {
    requestId: string;
    status: number;
    code: ErrorCode;
    bytesOut: number;
    cause: string;
    peer?: string;
  },
): void {
  const { requestId, status, code, bytesOut, cause, peer } = answer;
  metrics.httpRequests.inc({ route: 'unmatched', method: 'UNKNOWN', status: String(status) });
  metrics.rejected.inc({ code });
  logger.info(
    {
      requestId,
      method: 'UNKNOWN',
      path: null,
      status,
      durationMs: null,
      bytesIn: null,
      bytesOut,
      code,
      cause,
      ...(peer && { peer }),
    },
    'request',
  );
}

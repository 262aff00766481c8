// A raw-socket HTTP/1.1 client for tests that must send what no HTTP client would (broken HTTP, a body that never
// ends, a trickle, a second request right after the body) and see what a client cannot: the answer while it is still
// writing, 1xx interim answers, a bare answer without Content-Length, a second answer, and how the server ended the
// connection (a FIN or a reset, and when) or that it kept it open. With the chunked framer, a request-head builder
// and a deadline poll.

import { connect } from 'node:net';

/** The first answer on a connection: its status, its headers and its Content-Length bytes of body. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case; a name sent more than once keeps its last value. */
  headers: Record<string, string>;
  /** Header names as sent (case kept), in order. */
  headerNames: string[];
  body: Buffer;
}

/** The answers found at the front of what a connection received. */
export interface RawAnswers {
  /** Statuses of the 1xx interim answers before the final one, in order (e.g. [100]). */
  interim: number[];
  /** The final answer's status, once its head is in: also for a bare answer without Content-Length. */
  status?: number;
  /** The final answer's headers (names in lower case), once its head is in. */
  headers?: Record<string, string>;
  /** The final answer, once its head and its Content-Length bytes of body are in; undefined if they never were. */
  answer?: RawAnswer;
  /** A second whole answer after it, on the same connection. */
  next?: RawAnswer;
}

/** What a raw-socket client saw: the answers, and how and when the server ended the connection after them. */
export interface RawExchange extends RawAnswers {
  /**
   * How the connection ended: 'end' (the server's FIN), the first error's code (ECONNRESET: a reset), or 'open'
   * when the client gave up waiting for the end (`openMs`).
   */
  ending: string;
  /** The first error on the connection, also one after the server's FIN (a reset of what was still sent). */
  error?: string;
  /** Body bytes the client wrote (trickled ones included): fewer than given means the server ended first. */
  sent: number;
  /**
   * When the final answer was in (its head and Content-Length bytes of body; the head alone for a bare answer), ms
   * after the connection was opened; NaN without one.
   */
  answeredAfterMs: number;
  /** When the connection ended (or was found open), ms after the answer was in (after the start without one). */
  endedAfterMs: number;
  /** Everything received. */
  received: Buffer;
}

export interface RawRequest {
  /** Written first, as is: a string goes out byte for byte (latin1: one character, one byte). */
  head: string | Uint8Array;
  /** Written after the head as fast as the socket takes it, 64 KiB at a time, whatever the server answers. */
  body?: Uint8Array;
  /** Written once the body has been written whole: the next request on the same connection. */
  afterBody?: string;
  /** Then `chunk` every `everyMs`, until the connection ends. */
  trickle?: { chunk: Uint8Array; everyMs: number };
  /**
   * For a server that may keep the connection: when it has not ended this long after the final answer was in, the
   * client closes it and the exchange resolves with ending 'open'. Without it the exchange waits for the server.
   */
  openMs?: number;
  /** The same while no answer has come, counted from the start (default: openMs). */
  answerMs?: number;
  /** The exchange rejects when the connection has not ended (nor been found open) by then (default 15 s). */
  timeoutMs?: number;
}

/** Where to connect: a port on 127.0.0.1, or a base URL such as http://127.0.0.1:8080. */
export type RawTarget = number | string | URL;

function address(target: RawTarget): { host: string; port: number } {
  if (typeof target === 'number') return { host: '127.0.0.1', port: target };
  const url = new URL(target);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80) };
}

/**
 * Parses the answer at the front of `received`, once it is whole: the head and as many bytes of body as its
 * Content-Length says (without a Content-Length it is never whole).
 */
export function parseAnswer(received: Buffer): RawAnswer | undefined {
  const head = parseHead(received, 0);
  return head && withBody(received, head);
}

/** An answer's head, and where its body starts in what was received. */
type RawHead = Omit<RawAnswer, 'body'> & { bodyAt: number };

/** The answer head that starts at `at` in `received`, once it has ended. */
function parseHead(received: Buffer, at: number): RawHead | undefined {
  const end = received.indexOf('\r\n\r\n', at);
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = received.subarray(at, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  const headerNames: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    headerNames.push(name);
    headers[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, headerNames, bodyAt: end + 4 };
}

/** The answer of `head` once its Content-Length bytes of body are in (without a Content-Length, never). */
function withBody(received: Buffer, head: RawHead): RawAnswer | undefined {
  const length = Number(head.headers['content-length'] ?? Number.NaN);
  if (!(received.length - head.bodyAt >= length)) return undefined;
  const { status, headers, headerNames, bodyAt } = head;
  return { status, headers, headerNames, body: received.subarray(bodyAt, bodyAt + length) };
}

/** Reads the 1xx interim answers, the final answer and the one after it from the front of `received`. */
export function parseAnswers(received: Buffer): RawAnswers {
  const interim: number[] = [];
  let head = parseHead(received, 0);
  while (head && head.status >= 100 && head.status < 200) {
    interim.push(head.status);
    head = parseHead(received, head.bodyAt);
  }
  if (!head) return { interim };
  const answer = withBody(received, head);
  const nextHead = answer && parseHead(received, head.bodyAt + answer.body.length);
  const next = nextHead && withBody(received, nextHead);
  return { interim, status: head.status, headers: head.headers, answer, next };
}

/**
 * One request on a raw TCP connection, from a client that keeps writing while it reads: it writes `head`, then
 * `body`, then `afterBody` (and then the trickle, if any), and does not stop when the answer comes. It resolves once
 * the connection has ended, or with ending 'open' `openMs` after the answer (`answerMs` after the start without one),
 * with the answers, how the connection ended and when; it rejects after `timeoutMs`. Bodies are sent as given: frame
 * them first (chunkedBody) for Transfer-Encoding: chunked.
 */
export function rawExchange(target: RawTarget, request: RawRequest): Promise<RawExchange> {
  const { host, port } = address(target);
  const timeoutMs = request.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, host);
    let received = Buffer.alloc(0);
    let answers: RawAnswers = { interim: [] };
    let answeredAt = Number.NaN;
    let ending: string | undefined;
    let error: string | undefined;
    let sent = 0;
    let trickle: NodeJS.Timeout | undefined;
    let open: NodeJS.Timeout | undefined;
    const watchOpen = (ms: number | undefined) => {
      clearTimeout(open);
      if (ms === undefined) return;
      open = setTimeout(() => {
        ending ??= 'open';
        socket.destroy();
      }, ms);
    };
    watchOpen(request.answerMs ?? request.openMs);
    const timer = setTimeout(() => {
      clearInterval(trickle);
      clearTimeout(open);
      socket.destroy();
      const text = JSON.stringify(received.subarray(0, 500).toString('latin1'));
      reject(
        new Error(
          `connection not ended within ${timeoutMs} ms (answer ${answers.status}, sent ${sent}); received ${text}`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (!Number.isNaN(answeredAt) && answers.next) return;
      answers = parseAnswers(received);
      const isIn =
        answers.answer !== undefined ||
        (answers.status !== undefined && !answers.headers?.['content-length']);
      if (Number.isNaN(answeredAt) && isIn) {
        answeredAt = performance.now();
        watchOpen(request.openMs);
      }
    });
    socket.on('end', () => {
      ending ??= 'end';
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
      ending ??= error;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(open);
      clearInterval(trickle);
      resolve({
        ...answers,
        ending: ending ?? 'close',
        error,
        sent,
        answeredAfterMs: answeredAt - started,
        endedAfterMs: performance.now() - (Number.isNaN(answeredAt) ? started : answeredAt),
        received,
      });
    });
    const { head, afterBody } = request;
    socket.write(typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
    const body = request.body ?? new Uint8Array();
    let afterWritten = afterBody === undefined;
    const pump = () => {
      while (sent < body.length && socket.writable) {
        const piece = body.subarray(sent, sent + 64 * 1024);
        sent += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!afterWritten && sent >= body.length && socket.writable) {
        afterWritten = true;
        socket.write(Buffer.from(afterBody as string, 'latin1'));
      }
    };
    pump();
    const { chunk, everyMs } = request.trickle ?? {};
    if (chunk && everyMs) {
      trickle = setInterval(() => {
        if (!socket.writable) return;
        socket.write(chunk);
        sent += chunk.length;
      }, everyMs);
    }
  });
}

/** One chunk of a Transfer-Encoding: chunked body: its size line, the bytes, CRLF. */
export function frameChunk(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** `body` framed for Transfer-Encoding: chunked, in chunks of `piece` bytes, then the last chunk. */
export function chunkedBody(body: Uint8Array, piece = 64 * 1024): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += piece) parts.push(frameChunk(body.subarray(at, at + piece)));
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/**
 * A request head: the request line, `Host` first, then `headers` in order (pairs may repeat a name), and the blank
 * line.
 */
export function requestHead(
  target: string,
  headers: Record<string, string> | readonly (readonly [string, string])[] = {},
  { method = 'POST', host = 'test' }: { method?: string; host?: string } = {},
): string {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${pairs.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** Waits for `check` to hold, polling every `everyMs` (default 5), for at most `ms`; `what` names it on failure. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
  { what = 'condition', everyMs = 5 }: { what?: string; everyMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

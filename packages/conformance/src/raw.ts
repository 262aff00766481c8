// A raw-socket exchange for targets whose server may keep a connection open, or answer in a way testkit's
// rawExchange does not parse. rawExchange resolves once the server has ended the connection; ts-deno never ends one
// that the client keeps (deviation deno-connection-close), and ts-bun keeps early answers alive (bun-early-answer).
// `exchange` gives up waiting `openMs` after the answer and reports the connection 'open'. It also reads what a
// runtime's own server sends: 1xx interim answers before the final one (bun-100-continue, deno-100-continue), bare
// answers without Content-Length (bun-parser-400), and a second answer on the same connection (`afterBody`).
// (A candidate for testkit's rawExchange as options; kept here while only this suite needs it.)

import { connect } from 'node:net';
import { parseAnswer, type RawAnswer, type RawRequest, type RawTarget } from '@rtip/testkit';

/** The answers found at the front of what a connection received. */
export interface Answers {
  /** Statuses of the 1xx interim answers before the final one, in order (e.g. [100]). */
  interim: number[];
  /** The final answer's status, once its head is in: also for a bare answer without Content-Length. */
  status?: number;
  /** The final answer's headers (names in lower case), once its head is in. */
  headers?: Record<string, string>;
  /** The final answer, once its head and its Content-Length bytes of body are in. */
  answer?: RawAnswer;
  /** A second whole answer after it, on the same connection. */
  next?: RawAnswer;
}

/** Reads the interim answers, the final one and the one after it from the front of `received`. */
export function parseAnswers(received: Buffer): Answers {
  const interim: number[] = [];
  let at = 0;
  for (;;) {
    const end = received.indexOf('\r\n\r\n', at);
    if (end < 0) return { interim };
    const [statusLine = '', ...lines] = received.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    if (status >= 100 && status < 200) {
      interim.push(status);
      at = end + 4;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const answer = parseAnswer(received.subarray(at));
    const next = answer ? parseAnswer(received.subarray(end + 4 + answer.body.length)) : undefined;
    return { interim, status, headers, answer, next };
  }
}

export interface Exchange extends Answers {
  /** How the connection ended: 'end' (the server's FIN), the first error's code, or 'open' (see `openMs`). */
  ending: string;
  /** The first error on the connection, also one after the server's FIN. */
  error?: string;
  /** Body bytes the client wrote (trickled ones included). */
  sent: number;
  /** When the final answer's head was in, ms after the connection was opened; NaN without one. */
  answeredAfterMs: number;
  /** When the connection ended (or was found open), ms after the final answer's head (after the start without). */
  endedAfterMs: number;
  received: Buffer;
}

export interface ExchangeRequest extends RawRequest {
  /**
   * When the connection has not ended this long after the final answer's head, the client closes it and the
   * exchange resolves with ending 'open'.
   */
  openMs: number;
  /** The same, while no answer has come, counted from the start (default: openMs). */
  answerMs?: number;
  /** Written once the body has been written whole: the next request on the same connection. */
  afterBody?: string;
}

/**
 * One request on a raw TCP connection, from a client that keeps writing while it reads (as testkit's rawExchange):
 * head, body, then `afterBody` and the trickle. Resolves once the connection has ended, or with ending 'open'
 * `openMs` after the answer (`answerMs` after the start without one); rejects after `timeoutMs` (default 30 s).
 */
export function exchange(target: RawTarget, request: ExchangeRequest): Promise<Exchange> {
  const url = typeof target === 'number' ? new URL(`http://127.0.0.1:${target}`) : new URL(target);
  const timeoutMs = request.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(url.port || 80), url.hostname.replace(/^\[(.*)\]$/, '$1'));
    let received = Buffer.alloc(0);
    let answers: Answers = { interim: [] };
    let answeredAt = Number.NaN;
    let ending: string | undefined;
    let error: string | undefined;
    let sent = 0;
    let trickle: NodeJS.Timeout | undefined;
    let open: NodeJS.Timeout | undefined;
    const watchOpen = (ms: number) => {
      clearTimeout(open);
      open = setTimeout(() => {
        ending ??= 'open';
        socket.destroy();
      }, ms);
    };
    watchOpen(request.answerMs ?? request.openMs);
    const deadline = setTimeout(() => {
      clearInterval(trickle);
      clearTimeout(open);
      socket.destroy();
      reject(new Error(`connection not answered within ${timeoutMs} ms (sent ${sent})`));
    }, timeoutMs);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const hadHead = answers.status !== undefined;
      answers = parseAnswers(received);
      if (!hadHead && answers.status !== undefined) {
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
      clearTimeout(deadline);
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
    const { head } = request;
    socket.write(typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
    const body = request.body ?? new Uint8Array();
    let thenWritten = request.afterBody === undefined;
    const pump = () => {
      while (sent < body.length && socket.writable) {
        const piece = body.subarray(sent, sent + 64 * 1024);
        sent += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!thenWritten && sent >= body.length && socket.writable) {
        thenWritten = true;
        socket.write(Buffer.from(request.afterBody as string, 'latin1'));
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

/** Checks for a bare answer of a runtime's own server: the status, and none of the contract's problem+json. */
export function bareAnswer(seen: Answers): { status?: number; problem: boolean; requestId: boolean } {
  return {
    status: seen.status,
    problem: String(seen.headers?.['content-type']).startsWith('application/problem+json'),
    requestId: seen.headers?.['x-request-id'] !== undefined,
  };
}

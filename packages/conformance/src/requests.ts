// Turns shared vectors into HTTP requests, and the low-level requests fetch cannot make.

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFixture, type Vector } from '@rtip/contract';

export { multipartOfSize } from '@rtip/testkit';

export const fixture = readFixture;

export function multipart(
  parts: { name: string; filename: string; bytes: Uint8Array; type?: string }[],
): FormData {
  const form = new FormData();
  for (const p of parts)
    form.append(
      p.name,
      new Blob([new Uint8Array(p.bytes)], { type: p.type ?? 'application/octet-stream' }),
      p.filename,
    );
  return form;
}

/** The fetch arguments a vector describes, against a base URL. */
export function vectorRequest(baseUrl: string, v: Vector): [string, RequestInit] {
  const { request } = v;
  const url = `${baseUrl}${request.path}${request.query ? `?${request.query}` : ''}`;
  const bytes = v.fixture ? fixture(v.fixture) : Buffer.alloc(0);
  const init: RequestInit = { method: request.method };
  if (request.body === 'multipart') {
    const name = v.fixture ?? 'image';
    init.body = multipart(
      Array.from({ length: request.parts }, () => ({ name: request.partName, filename: name, bytes })),
    );
  } else if (request.body === 'raw') {
    init.body = bytes;
    if (request.contentType !== null) init.headers = { 'content-type': request.contentType };
  }
  return [url, init];
}

/**
 * One request on a connection of its own (no keep-alive reuse): for a service that is closing connections,
 * where a pooled connection could be closed by the server just as the client reuses it.
 */
export function freshRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Body bytes written by the client before the answer came. */
  sent: number;
}

/**
 * POST with a declared Content-Length but without sending the body: the answer must come without it.
 */
export function postDeclaredLength(baseUrl: string, length: number, timeoutMs = 5_000): Promise<RawResponse> {
  return rawPost(baseUrl, { 'content-type': 'image/jpeg', 'content-length': String(length) }, 0, timeoutMs);
}

/** POST a chunked body of `total` bytes in 64 KiB chunks, stopping as soon as the server answers. */
export function postChunked(baseUrl: string, total: number, timeoutMs = 30_000): Promise<RawResponse> {
  return rawPost(baseUrl, { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' }, total, timeoutMs);
}

/** Sends `total` bytes of a chunked body and then holds the request open: the answer can only come from them. */
export function postChunkedAndHold(baseUrl: string, total: number, timeoutMs = 30_000): Promise<RawResponse> {
  const headers = { 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' };
  return rawPost(baseUrl, headers, total, timeoutMs, false);
}

function rawPost(
  baseUrl: string,
  headers: Record<string, string>,
  total: number,
  timeoutMs: number,
  end = true,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/process`, { method: 'POST', headers, agent: false });
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms after sending ${sent} bytes`));
    }, timeoutMs);
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sent });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      // The server may close the connection once it has answered; only an error before any answer counts.
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered && total > 0 && end) req.end();
    };
    req.flushHeaders();
    if (total > 0) pump();
  });
}

/** Reads one sample of a Prometheus text exposition: the sum over series matching every given label. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) found = (found ?? 0) + Number(match[4]);
  }
  return found;
}

/** Names of the metric families present in a Prometheus text exposition. */
export function metricFamilies(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

/** What a raw-socket client saw: the answer, and how the server ended the connection after it. */
export interface RawExchange {
  /** The answer, once its head and its Content-Length bytes have arrived; undefined if they never did. */
  answer?: { status: number; headers: Record<string, string>; body: Buffer };
  /** How the connection ended: 'end' (the server's FIN) or the first error's code (ECONNRESET: a reset). */
  ending: string;
  /** The first error on the connection, also one after the server's FIN (a reset of what was still sent). */
  error?: string;
  /** Body bytes the client wrote: fewer than given means the server ended the connection first. */
  sent: number;
  /** Milliseconds from the whole answer to the end of the connection. */
  endedAfterMs: number;
}

/**
 * One request on a raw TCP connection, a client that keeps writing while it reads: it writes `head`, then `body`
 * as fast as the socket takes it (or `trickle.chunk` every `trickle.everyMs`, forever), and does not stop when the
 * answer comes. It resolves once the server has ended the connection, with the answer and how it ended; it rejects
 * after `timeoutMs`. Bodies are sent as given: frame them first (chunkedBody) for Transfer-Encoding: chunked.
 */
export function rawExchange(
  baseUrl: string,
  request: {
    head: string;
    body?: Uint8Array;
    trickle?: { chunk: Uint8Array; everyMs: number };
    timeoutMs?: number;
  },
): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  const timeoutMs = request.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answer: RawExchange['answer'];
    let answeredAt = 0;
    let ending: string | undefined;
    let error: string | undefined;
    let sent = 0;
    let trickle: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`connection not ended within ${timeoutMs} ms (answer ${answer?.status}, sent ${sent})`),
      );
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (answer) return;
      received = Buffer.concat([received, chunk]);
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return;
      const [statusLine = '', ...lines] = received.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? Number.NaN);
      if (!(received.length - split - 4 >= length)) return;
      answer = {
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: received.subarray(split + 4, split + 4 + length),
      };
      answeredAt = performance.now();
    });
    socket.on('end', () => {
      ending ??= 'end';
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
      ending ??= error;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      clearInterval(trickle);
      resolve({
        answer,
        ending: ending ?? 'close',
        error,
        sent,
        endedAfterMs: performance.now() - answeredAt,
      });
    });
    socket.write(request.head);
    const body = request.body ?? new Uint8Array();
    const pump = () => {
      while (sent < body.length && socket.writable) {
        const piece = body.subarray(sent, sent + 64 * 1024);
        sent += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
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

/** `body` framed for Transfer-Encoding: chunked, in chunks of `piece` bytes, with the last chunk. */
export function chunkedBody(body: Uint8Array, piece = 64 * 1024): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += piece) {
    const slice = body.subarray(at, at + piece);
    parts.push(Buffer.from(`${slice.length.toString(16)}\r\n`), Buffer.from(slice), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

// Raw-socket clients for the real-server tests: they send exactly the bytes given (broken HTTP included), read the
// answer as it arrives, and report how the connection ended (FIN or reset) and when.

import type http from 'node:http';
import net from 'node:net';

export interface RawAnswer {
  status: number;
  /** Header names in lower case, in the order received (names appear once in these tests). */
  headers: http.IncomingHttpHeaders;
  /** Header names as sent, in order. */
  headerNames: string[];
  body: string;
}

export interface RawEnd {
  answer: RawAnswer | undefined;
  /** How the connection ended after the answer: 'end' (FIN) or the error code (ECONNRESET: a reset). */
  ending: string;
  /** When the whole answer had been read, ms after the connection was opened. */
  answeredAfterMs: number;
  /** When the connection ended, ms after the whole answer was read (after the start when there was none). */
  endedAfterMs: number;
  /** Everything received. */
  received: Buffer;
}

/** Parses one answer off the front of `received`, once it is complete (head and Content-Length bytes of body). */
export function parseAnswer(received: Buffer): RawAnswer | undefined {
  const split = received.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, split).toString('latin1').split('\r\n');
  const headers: http.IncomingHttpHeaders = {};
  const headerNames: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    headerNames.push(name);
    headers[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (received.length - split - 4 < length) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    headerNames,
    body: received.subarray(split + 4, split + 4 + length).toString(),
  };
}

/**
 * A raw client that writes `head` (a string is sent as latin1, byte for byte) and then all of `body` while it reads,
 * and does not stop when the answer comes: it must still read the whole answer and then see the server end the
 * connection. Fails after `timeoutMs`.
 */
export function rawRequest(
  port: number,
  head: string | Buffer,
  body: Buffer = Buffer.alloc(0),
  timeoutMs = 10_000,
): Promise<RawEnd> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answer: RawAnswer | undefined;
    let answeredAt = 0;
    let ending: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no end within ${timeoutMs} ms; received ${JSON.stringify(received.toString('latin1'))}`),
      );
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (answer) return;
      answer = parseAnswer(received);
      if (answer) answeredAt = performance.now();
    });
    socket.on('end', () => {
      ending ??= 'end';
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      ending ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const now = performance.now();
      resolve({
        answer,
        ending: ending ?? 'close',
        answeredAfterMs: answer ? answeredAt - started : Number.NaN,
        endedAfterMs: now - (answer ? answeredAt : started),
        received,
      });
    });
    socket.write(typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
    let at = 0;
    const pump = () => {
      while (at < body.length && !socket.destroyed) {
        const piece = body.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

export const chunked = (body: Buffer) =>
  Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);

export const requestHead = (target: string, headers: Record<string, string>, method = 'POST') =>
  `${method} ${target} HTTP/1.1\r\nHost: test\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

/** Waits for `check` to hold, polling every few ms, for at most `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

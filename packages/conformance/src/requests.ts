// Turns shared vectors into HTTP requests, and the low-level requests fetch cannot make (raw sockets: @rtip/testkit).

import { request as httpRequest } from 'node:http';
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

// Early answers (contract README, "Early answers"), against every implementation the suite can start. An answer
// sent before the request body was read to its end must reach the client whole, every time, whatever the client:
// Node's http.request (what axios, got and form-data sit on), fetch, and a raw socket that keeps writing while it
// reads and must then see an orderly end, not a reset. A client that never stops sending is cut at the bound while
// the service keeps serving, and the gauges come back to 0.
//
// EARLY_ANSWER_TRIES sets the tries per case (default 20); the table printed at the end has, per client and
// request, the contract answers seen out of the tries, per implementation.

import http from 'node:http';
import { PROBLEM_CONTENT_TYPE } from '@rtip/contract';
import { chunkedBody, frameChunk, type RawExchange, rawExchange, requestHead, until } from '@rtip/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixture, freshRequest, metricValue, multipartOfSize } from '../src/requests.js';
import { type Implementation, type RunningService, startService } from '../src/services.js';

const implementations = inject('targets')
  .map((t) => t.implementation)
  .filter((i): i is Implementation => i !== undefined);

const TRIES = Number(process.env.EARLY_ANSWER_TRIES ?? '20');
if (!Number.isInteger(TRIES) || TRIES < 1)
  throw new Error(`EARLY_ANSWER_TRIES must be an integer ≥ 1, got ${TRIES}`);

/**
 * MAX_UPLOAD_BYTES of the services of this section: small enough that 30× over stays quick to send, large enough
 * that 3× over no longer fits in loopback socket buffers, so the client is still sending when the answer comes.
 */
const LIMIT = 256 * 1024;
/**
 * Lingering bounds of the services of the first part: far above what a try needs (milliseconds), low enough that a
 * connection the service failed to end is over well within a try's own deadline.
 */
const LINGER = { LINGER_TIMEOUT_MS: '5000', LINGER_IDLE_MS: '2000' };
/** Each client gives up on one try after this long. */
const TRY_TIMEOUT_MS = 8_000;

interface Shape {
  name: string;
  target: string;
  contentType: string;
  body: Buffer;
  chunked: boolean;
  status: number;
  code: string;
}

function bodyOf(size: number, multipart: boolean): { body: Buffer; contentType: string } {
  if (multipart) return multipartOfSize(size);
  const body = Buffer.alloc(size, 0xab);
  body.set([0xff, 0xd8, 0xff]); // a JPEG start: the refusal is about the size, not the bytes
  return { body, contentType: 'image/jpeg' };
}

const SHAPES: Shape[] = [];
for (const [sizeName, size] of [
  ['just over the limit', LIMIT + 1],
  ['3× the limit', 3 * LIMIT],
  ['30× the limit', 30 * LIMIT],
] as const) {
  for (const multipart of [false, true]) {
    for (const chunked of [false, true]) {
      SHAPES.push({
        name: `413 ${sizeName}, ${multipart ? 'multipart' : 'raw'}, ${chunked ? 'chunked' : 'Content-Length'}`,
        target: '/process',
        ...bodyOf(size, multipart),
        chunked,
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      });
    }
  }
}
for (const chunked of [false, true]) {
  const framing = chunked ? 'chunked' : 'Content-Length';
  SHAPES.push({
    name: `415 from the content type (text/plain, 3× the limit), ${framing}`,
    target: '/process',
    body: bodyOf(3 * LIMIT, false).body,
    contentType: 'text/plain',
    chunked,
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  });
  SHAPES.push({
    name: `400 from the query (width=0, multipart, 3× the limit), ${framing}`,
    target: '/process?width=0',
    ...bodyOf(3 * LIMIT, true),
    chunked,
    status: 400,
    code: 'INVALID_OPTION',
  });
}

/** What one try saw; `failure` says why it is not the contract answer. */
interface Seen {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Raw socket only: how the connection ended after the answer, any error on it, and body bytes not written. */
  ending?: string;
  error?: string;
  unsent?: number;
}

type Client = (url: string, shape: Shape) => Promise<Seen>;

/** A try that got no answer, or no end of the connection, within TRY_TIMEOUT_MS. */
class TryTimeout extends Error {}

/** Node's http.request on a connection of its own, the body handed over whole (Content-Length) or in pieces. */
const nodeRequest: Client = (url, shape) =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': shape.contentType };
    if (!shape.chunked) headers['content-length'] = String(shape.body.length);
    const req = http.request(`${url}${shape.target}`, { method: 'POST', headers, agent: false });
    let answered = false;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new TryTimeout(`no answer within ${TRY_TIMEOUT_MS} ms`));
    }, TRY_TIMEOUT_MS);
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // After the answer the client stops sending, which it may report; an error before the answer is the failure.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      clearTimeout(timer);
      reject(error);
    });
    if (!shape.chunked) {
      req.end(shape.body);
      return;
    }
    // As a piped stream would: 64 KiB at a time, waiting when the socket is full.
    let at = 0;
    const pump = () => {
      while (at < shape.body.length && !req.destroyed && !answered) {
        const piece = shape.body.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });

/** fetch (undici): the body as bytes (Content-Length) or as a stream of 64 KiB pieces (chunked). */
const fetchRequest: Client = async (url, shape) => {
  let body: Uint8Array | ReadableStream<Uint8Array> = new Uint8Array(shape.body);
  if (shape.chunked) {
    let at = 0;
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= shape.body.length) return controller.close();
        controller.enqueue(new Uint8Array(shape.body.subarray(at, at + 64 * 1024)));
        at += 64 * 1024;
      },
    });
  }
  const res = await fetch(`${url}${shape.target}`, {
    method: 'POST',
    headers: { 'content-type': shape.contentType },
    body,
    duplex: 'half',
    signal: AbortSignal.timeout(TRY_TIMEOUT_MS),
  } as RequestInit);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
};

/** A raw socket writing the whole body while it reads; it then waits for the server to end the connection. */
const rawRequest: Client = async (url, shape) => {
  const framing: Record<string, string> = shape.chunked
    ? { 'Transfer-Encoding': 'chunked' }
    : { 'Content-Length': String(shape.body.length) };
  const body = shape.chunked ? chunkedBody(shape.body) : shape.body;
  const seen: RawExchange = await rawExchange(url, {
    head: requestHead(
      shape.target,
      { 'Content-Type': shape.contentType, ...framing },
      { host: new URL(url).host },
    ),
    body,
    timeoutMs: TRY_TIMEOUT_MS,
  }).catch((error: Error) => {
    throw new TryTimeout(error.message); // rawExchange fails only at its deadline
  });
  if (!seen.answer) throw new Error(`no whole answer; the connection ended with ${seen.ending}`);
  return {
    ...seen.answer,
    body: seen.answer.body.toString(),
    ending: seen.ending,
    error: seen.error,
    unsent: body.length - seen.sent,
  };
};

const CLIENTS: [string, Client][] = [
  ['Node http.request', nodeRequest],
  ['fetch', fetchRequest],
  ['raw socket writing while it reads', rawRequest],
];

/** Why `seen` is not the contract answer to `shape`, or undefined when it is. */
function failure(seen: Seen, shape: Shape): string | undefined {
  if (seen.status !== shape.status) return `status ${seen.status}`;
  if (!String(seen.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE)) {
    return `content-type ${seen.headers['content-type']}`;
  }
  // fetch may hide hop-by-hop headers; when it shows the header it must say close.
  if (seen.headers.connection !== undefined && seen.headers.connection !== 'close') {
    return `connection ${seen.headers.connection}`;
  }
  let problem: { code?: string; status?: number };
  try {
    problem = JSON.parse(seen.body) as typeof problem;
  } catch {
    return `body not JSON: ${seen.body.slice(0, 80)}`;
  }
  if (problem.code !== shape.code || problem.status !== shape.status) return `problem ${problem.code}`;
  if (seen.ending !== undefined && seen.ending !== 'end')
    return `then ${seen.ending} instead of an orderly end`;
  // The service reads what the client still sends before it ends the connection: the client got to write all of
  // it, and nothing it wrote met a reset.
  if (seen.unsent) return `the connection ended with ${seen.unsent} body bytes unsent`;
  if (seen.error !== undefined) return `${seen.error} after the end`;
  return undefined;
}

/** client → request → implementation → answers seen, for the table printed at the end. */
const table = new Map<string, Map<string, Map<string, string>>>();
function record(client: string, request: string, implementation: string, cell: string) {
  const rows = table.get(client) ?? new Map<string, Map<string, string>>();
  table.set(client, rows);
  const cells = rows.get(request) ?? new Map<string, string>();
  rows.set(request, cells);
  cells.set(implementation, cell);
}

afterAll(() => {
  if (table.size === 0) return;
  const lines = [
    `| client | request | ${implementations.map((i) => `${i}: contract answers seen`).join(' | ')} |`,
    `|---|---|${implementations.map(() => '---:').join('|')}|`,
  ];
  for (const [client, rows] of table) {
    for (const [request, cells] of rows) {
      lines.push(
        `| ${client} | ${request} | ${implementations.map((i) => cells.get(i) ?? '').join(' | ')} |`,
      );
    }
  }
  console.log(`Early answers, ${TRIES} tries per cell, MAX_UPLOAD_BYTES ${LIMIT}:\n${lines.join('\n')}`);
});

async function metrics(url: string): Promise<string> {
  return (await freshRequest(`${url}/metrics`)).body.toString();
}

describe.each(implementations)('%s service: early answers reach every client', (name) => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(name, { MAX_UPLOAD_BYTES: String(LIMIT), ...LINGER });
  });
  afterAll(() => service?.stop());

  describe.each(CLIENTS)('%s', (clientName, client) => {
    it.each(SHAPES.map((s) => [s.name, s] as const))(
      `%s: the contract answer ${TRIES} times out of ${TRIES}`,
      async (_n, shape) => {
        const failures = new Map<string, number>();
        let seen = 0;
        for (let i = 0; i < TRIES; i++) {
          let why: string | undefined;
          try {
            why = failure(await client(service.url, shape), shape);
          } catch (error) {
            const e = error as NodeJS.ErrnoException;
            why = e.code ?? e.message;
            // A try that ran out of time will not be the only one: stop here rather than wait for every other.
            if (e instanceof TryTimeout || e.name === 'TimeoutError') {
              failures.set(`${why}; stopped after try ${i + 1}`, 1);
              break;
            }
          }
          if (why === undefined) seen++;
          else failures.set(why, (failures.get(why) ?? 0) + 1);
        }
        const why = [...failures].map(([w, n]) => `${n} × ${w}`).join(', ');
        record(clientName, shape.name, name, `${seen} / ${TRIES}${why ? ` (${why})` : ''}`);
        expect(why, `${name}, ${clientName}, ${shape.name}`).toBe('');
        expect(seen).toBe(TRIES);
      },
      // 200 tries of the largest bodies take a few seconds; a try that hangs stops the loop (above).
      Math.max(60_000, TRIES * 1_000),
    );
  });

  it('ends with nothing lingering and nothing in flight, and still serves images', async () => {
    // The last clients may still be closing their side; each lingering close ends when they have.
    await until(
      async () => metricValue(await metrics(service.url), 'http_lingering_connections') === 0,
      5_000,
      { what: 'no connection lingering', everyMs: 10 },
    );
    const text = await metrics(service.url);
    expect(metricValue(text, 'image_inflight')).toBe(0);
    expect(metricValue(text, 'image_queued')).toBe(0);
    expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'drained' })).toBeGreaterThan(0);
    expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'timed_out' })).toBe(0);
    expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'capped' })).toBe(0);
    const res = await fetch(`${service.url}/process?width=64`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(fixture('photo-small.jpg')),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});

describe.each(implementations)('%s service: the lingering bounds', (name) => {
  const IDLE_MS = 1_000;
  const TOTAL_MS = 2_000;
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(name, {
      MAX_UPLOAD_BYTES: String(LIMIT),
      LINGER_IDLE_MS: String(IDLE_MS),
      LINGER_TIMEOUT_MS: String(TOTAL_MS),
      MAX_LINGERING: '2',
    });
  });
  afterAll(() => service?.stop());

  it('cuts a client that never stops at LINGER_TIMEOUT_MS and a silent one at LINGER_IDLE_MS, caps the third, and keeps serving', async () => {
    const host = new URL(service.url).host;
    const declared = requestHead(
      '/process',
      { 'Content-Type': 'image/jpeg', 'Content-Length': String(100 * LIMIT) },
      { host },
    );
    const chunkedHead = requestHead(
      '/process',
      { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' },
      { host },
    );
    const piece = Buffer.alloc(32 * 1024, 0xab);
    const framedPiece = frameChunk(piece);
    const before = await metrics(service.url);
    const count = (text: string, outcome: string) =>
      metricValue(text, 'http_lingering_closes_total', { outcome }) ?? Number.NaN;

    // Never stops: 32 KiB every 10 ms, chunked, past the limit within 100 ms and never idle.
    const endless = rawExchange(service.url, {
      head: chunkedHead,
      trickle: { chunk: framedPiece, everyMs: 10 },
      timeoutMs: TOTAL_MS + 10_000,
    });
    // Stops: 4 KiB of a declared body, then silence with the connection open.
    const silent = rawExchange(service.url, {
      head: declared,
      body: piece.subarray(0, 4096),
      timeoutMs: 10_000,
    });
    await until(
      async () => metricValue(await metrics(service.url), 'http_lingering_connections') === 2,
      5_000,
      { what: 'two connections lingering', everyMs: 10 },
    );

    // MAX_LINGERING is 2: this one is answered, then closed at once.
    const capped = await rawExchange(service.url, { head: declared, timeoutMs: 5_000 });
    expect(capped.answer?.status).toBe(413);
    expect(capped.ending).toBe('end');
    expect(capped.endedAfterMs).toBeLessThan(IDLE_MS);

    // Meanwhile images are served as usual.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${service.url}/process?width=64`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: new Uint8Array(fixture('photo-small.jpg')),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    const quiet = await silent;
    expect(quiet.answer?.status).toBe(413);
    expect(quiet.ending).toBe('end');
    expect(quiet.endedAfterMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(quiet.endedAfterMs).toBeLessThan(IDLE_MS + 1_500);

    const cut = await endless;
    expect(cut.answer?.status).toBe(413);
    // It was still sending: what arrives after the close may meet a reset, but only at the bound.
    expect(['end', 'ECONNRESET', 'EPIPE']).toContain(cut.ending);
    expect(cut.endedAfterMs).toBeGreaterThanOrEqual(TOTAL_MS - 100);
    expect(cut.endedAfterMs).toBeLessThan(TOTAL_MS + 1_500);

    await until(
      async () => metricValue(await metrics(service.url), 'http_lingering_connections') === 0,
      5_000,
      { what: 'no connection lingering', everyMs: 10 },
    );
    const after = await metrics(service.url);
    expect(count(after, 'timed_out') - count(before, 'timed_out')).toBe(2);
    expect(count(after, 'capped') - count(before, 'capped')).toBe(1);
    expect(metricValue(after, 'image_inflight')).toBe(0);
    expect(metricValue(after, 'image_queued')).toBe(0);
  });
});

// Early answers (contract README, "Early answers"), against every implementation the suite can start. An answer
// sent before the request body was read to its end must reach the client whole, every time, whatever the client:
// Node's http.request (what axios, got and form-data sit on), fetch, and a raw socket that keeps writing while it
// reads and must then see an orderly end, not a reset. A client that never stops sending is cut at the bound while
// the service keeps serving, and the gauges come back to 0.
//
// EARLY_ANSWER_TRIES sets the tries per case (default 20); the table printed at the end has, per client and
// request, the contract answers seen out of the tries, per implementation.
//
// ts-bun and ts-deno cannot end an early answer as the contract asks (contract README, "Deviations"): there every
// try asserts the behaviour documented instead (bun-early-answer: no Connection: close, Bun drops the rest of the
// body and the connection serves the next request; deno-early-answer with deno-connection-close: the answer is
// whole, the connection stays open until the client closes it), and the lingering bounds part asserts that they
// have none of their own. The answer itself must reach every client whole, every time, on every target.

import http from 'node:http';
import { type Deviation, PROBLEM_CONTENT_TYPE } from '@rtip/contract';
import { chunkedBody, frameChunk, type RawAnswer, rawExchange, requestHead, until } from '@rtip/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bunLingerWindow, type Deviating, deviationFor, naming, says } from '../src/deviations.js';
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
/** On a target that keeps the connection open after an early answer, the raw client checks it is, this long. */
const OPEN_MS = 20;

/** Targets without the service's own lingering close after an early answer. */
const EARLY_ANSWER: Deviating = { 'ts-bun': 'bun-early-answer', 'ts-deno': 'deno-early-answer' };
/** Targets that send the service's `Connection: close` but keep the connection open until the client closes it. */
const KEEPS_OPEN: Deviating = { 'ts-deno': 'deno-connection-close' };

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

/** What one try saw; `failure` says why it is not the contract answer (or the documented one). */
interface Seen {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Raw socket only: how the connection ended after the answer, any error on it, and body bytes not written. */
  ending?: string;
  error?: string;
  unsent?: number;
  /** Raw socket only, on a target that keeps the connection (bun-early-answer): the next request's status. */
  next?: number;
}

/**
 * How the target ends an early answer: the contract's lingering close (undefined), or the documented deviation
 * (`early`); `keepsOpen` when it leaves the connection open until the client closes it.
 */
interface Ending {
  early: Deviation | undefined;
  keepsOpen: Deviation | undefined;
}

type Client = (url: string, shape: Shape, ending: Ending) => Promise<Seen>;

/** How `name` ends an early answer; a deviation named in EARLY_ANSWER or KEEPS_OPEN must be on the list. */
const endingOf = (name: Implementation): Ending => ({
  early: deviationFor(name, EARLY_ANSWER),
  keepsOpen: deviationFor(name, KEEPS_OPEN),
});

/** The code of a problem+json answer (undefined when it is not one). */
function problemCode(answer: RawAnswer | undefined): string | undefined {
  if (!String(answer?.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE)) return undefined;
  return (JSON.parse(answer?.body.toString() ?? '{}') as { code?: string }).code;
}

/** A try that got no answer, or no end of the connection, within TRY_TIMEOUT_MS. */
class TryTimeout extends Error {}

/**
 * Node's http.request on a connection of its own, the body handed over whole (Content-Length) or in pieces. On a
 * target that keeps the connection open, it closes it once it has the answer.
 */
const nodeRequest: Client = (url, shape, ending) =>
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
        if (ending.keepsOpen) req.destroy();
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

/**
 * fetch (undici): the body as bytes (Content-Length) or as a stream of 64 KiB pieces (chunked). On a target that
 * keeps the connection open, it aborts the request once it has read the answer, which closes the connection.
 */
const fetchRequest: Client = async (url, shape, ending) => {
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
  const done = new AbortController();
  const res = await fetch(`${url}${shape.target}`, {
    method: 'POST',
    headers: { 'content-type': shape.contentType },
    body,
    duplex: 'half',
    signal: AbortSignal.any([done.signal, AbortSignal.timeout(TRY_TIMEOUT_MS)]),
  } as RequestInit);
  const seen = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  if (ending.keepsOpen) done.abort();
  return seen;
};

/**
 * A raw socket writing the whole body while it reads; it then waits for the server to end the connection. On
 * ts-bun (bun-early-answer: Bun reads and drops the rest and keeps the connection) it then sends a next request on
 * it; on a target that keeps it open it stops waiting OPEN_MS after the answer.
 */
const rawRequest: Client = async (url, shape, ending) => {
  const framing: Record<string, string> = shape.chunked
    ? { 'Transfer-Encoding': 'chunked' }
    : { 'Content-Length': String(shape.body.length) };
  const body = shape.chunked ? chunkedBody(shape.body) : shape.body;
  const host = new URL(url).host;
  const seen = await rawExchange(url, {
    head: requestHead(shape.target, { 'Content-Type': shape.contentType, ...framing }, { host }),
    body,
    afterBody:
      ending.early?.id === 'bun-early-answer'
        ? requestHead('/healthz', { Connection: 'close' }, { method: 'GET', host })
        : undefined,
    openMs: ending.keepsOpen ? OPEN_MS : TRY_TIMEOUT_MS,
    // The answer itself may take a while on a loaded machine (the body is still being written): only the wait
    // after it is short.
    answerMs: TRY_TIMEOUT_MS,
    timeoutMs: TRY_TIMEOUT_MS + 1_000,
  });
  if (seen.ending === 'open' && !ending.keepsOpen) {
    throw new TryTimeout(`not ended within ${TRY_TIMEOUT_MS} ms (answer ${seen.status}, sent ${seen.sent})`);
  }
  if (!seen.answer) throw new Error(`no whole answer; the connection ended with ${seen.ending}`);
  return {
    ...seen.answer,
    body: seen.answer.body.toString(),
    ending: seen.ending,
    error: seen.error,
    unsent: body.length - seen.sent,
    next: seen.next?.status,
  };
};

/** One small image through POST /process, answered 200: the service still serves. */
async function servesAnImage(url: string): Promise<void> {
  const res = await fetch(`${url}/process?width=64`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(fixture('photo-small.jpg')),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

const CLIENTS: [string, Client][] = [
  ['Node http.request', nodeRequest],
  ['fetch', fetchRequest],
  ['raw socket writing while it reads', rawRequest],
];

/** Why `seen` is not the contract answer to `shape` (or the one the target's deviation documents), if it is not. */
function failure(seen: Seen, shape: Shape, ending: Ending): string | undefined {
  if (seen.status !== shape.status) return `status ${seen.status}`;
  if (!String(seen.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE)) {
    return `content-type ${seen.headers['content-type']}`;
  }
  let problem: { code?: string; status?: number };
  try {
    problem = JSON.parse(seen.body) as typeof problem;
  } catch {
    return `body not JSON: ${seen.body.slice(0, 80)}`;
  }
  if (problem.code !== shape.code || problem.status !== shape.status) return `problem ${problem.code}`;
  const { connection } = seen.headers;
  switch (ending.early?.id) {
    case undefined:
      // fetch may hide hop-by-hop headers; when it shows the header it must say close.
      if (connection !== undefined && connection !== 'close') return `connection ${connection}`;
      if (seen.ending !== undefined && seen.ending !== 'end')
        return `then ${seen.ending} instead of an orderly end`;
      // The service reads what the client still sends before it ends the connection: the client got to write all
      // of it, and nothing it wrote met a reset.
      if (seen.unsent) return `the connection ended with ${seen.unsent} body bytes unsent`;
      if (seen.error !== undefined) return `${seen.error} after the end`;
      return undefined;
    case 'bun-early-answer':
      // Whole, with its Content-Length, without Connection: close; Bun reads and drops the rest of the body and
      // keeps the connection, so the next request on it is answered.
      if (connection === 'close') return 'connection close';
      if (seen.headers['content-length'] !== String(Buffer.byteLength(seen.body))) {
        return `content-length ${seen.headers['content-length']}`;
      }
      if (seen.ending === undefined) return undefined;
      if (seen.unsent) return `the connection ended with ${seen.unsent} body bytes unsent`;
      if (seen.next !== 200) return `the next request on the connection: ${seen.next ?? 'no answer'}`;
      if (seen.ending !== 'end' || seen.error !== undefined) return `then ${seen.error ?? seen.ending}`;
      return undefined;
    case 'deno-early-answer':
      // Whole, with Connection: close (deno-connection-close; twice when the client asked for it too: Node's client
      // shows "close, close"); the rest of the body is cancelled and the connection stays open until the client
      // closes it.
      if (connection !== undefined && !/^close(, close)*$/.test(String(connection))) {
        return `connection ${connection}`;
      }
      if (seen.ending !== undefined && seen.ending !== 'open')
        return `then ${seen.ending} instead of staying open`;
      if (seen.error !== undefined) return `${seen.error} after the answer`;
      return undefined;
    default:
      return `no check for deviation ${ending.early?.id}`;
  }
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

for (const name of implementations)
  describe(`${name} service: early answers reach every client${naming([name], EARLY_ANSWER, KEEPS_OPEN)}`, () => {
    let service: RunningService;
    beforeAll(async () => {
      service = await startService(name, { MAX_UPLOAD_BYTES: String(LIMIT), ...LINGER });
    });
    afterAll(() => service?.stop());

    describe.each(CLIENTS)('%s', (clientName, client) => {
      it.each(SHAPES.map((s) => [s.name, s] as const))(
        `%s: the contract answer ${TRIES} times out of ${TRIES}`,
        async (_n, shape) => {
          const ending = endingOf(name);
          const failures = new Map<string, number>();
          let seen = 0;
          for (let i = 0; i < TRIES; i++) {
            let why: string | undefined;
            try {
              why = failure(await client(service.url, shape, ending), shape, ending);
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
          const as = ending.early ? says(name, ending.early) : name;
          expect(why, `${as}, ${clientName}, ${shape.name}`).toBe('');
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
      const { early } = endingOf(name);
      if (early) {
        // Nothing counted in http_lingering_*: the runtime, not the service, deals with the rest of the body.
        expect(metricValue(text, 'http_lingering_closes_total'), says(name, early)).toBe(0);
      } else {
        expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'drained' })).toBeGreaterThan(0);
      }
      expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'timed_out' })).toBe(0);
      expect(metricValue(text, 'http_lingering_closes_total', { outcome: 'capped' })).toBe(0);
      await servesAnImage(service.url);
    });
  });

for (const name of implementations)
  describe(`${name} service: the lingering bounds`, () => {
    const IDLE_MS = 1_000;
    const TOTAL_MS = 2_000;
    /** When Bun acts on the timeout of IDLE_MS the service sets: its timers fire on a sweep every 4 s. */
    const BUN_CUT = bunLingerWindow(IDLE_MS);
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

    const heads = () => {
      const host = new URL(service.url).host;
      return {
        declared: requestHead(
          '/process',
          { 'Content-Type': 'image/jpeg', 'Content-Length': String(100 * LIMIT) },
          { host },
        ),
        chunked: requestHead(
          '/process',
          { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' },
          { host },
        ),
      };
    };
    const piece = Buffer.alloc(32 * 1024, 0xab);
    const framedPiece = frameChunk(piece);
    const count = (text: string, outcome: string) =>
      metricValue(text, 'http_lingering_closes_total', { outcome }) ?? Number.NaN;
    const servesImages = async () => {
      for (let i = 0; i < 3; i++) await servesAnImage(service.url);
    };

    const notCutNorCapped = async () => {
      const { early, keepsOpen } = endingOf(name);
      const message = says(name, early as Deviation);
      const { declared, chunked } = heads();
      const before = await metrics(service.url);
      // Each is given up once still open 1.5 s after the service's lingering bounds would have ended it, or on
      // ts-bun after the longest its timer can take (below).
      const openMs = early?.id === 'bun-early-answer' ? BUN_CUT.latest + 500 : TOTAL_MS + 1_500;
      const bounds = { openMs, timeoutMs: 20_000 };
      const endless = rawExchange(service.url, {
        head: chunked,
        trickle: { chunk: framedPiece, everyMs: 10 },
        ...bounds,
      });
      const silent = rawExchange(service.url, { head: declared, body: piece.subarray(0, 4096), ...bounds });
      // MAX_LINGERING is 2: the service would close this one right after its answer.
      const third = rawExchange(service.url, { head: declared, ...bounds });
      await servesImages();
      expect(metricValue(await metrics(service.url), 'http_lingering_connections'), message).toBe(0);
      const [cut, quiet, capped] = await Promise.all([endless, silent, third]);
      for (const x of [cut, quiet, capped]) {
        expect(x.answer?.status, message).toBe(413);
        expect(problemCode(x.answer), message).toBe('PAYLOAD_TOO_LARGE');
      }
      if (early?.id === 'bun-early-answer') {
        // No Connection: close. Bun drops the rest of the body, and ends each connection when the timeout the
        // service set on it has passed on Bun's timer, no sooner than LINGER_IDLE_MS and at most 8 s later, whether
        // the client is still sending (a FIN, or EPIPE / ECONNRESET for what it still sends), silent, or over
        // MAX_LINGERING.
        for (const x of [cut, quiet, capped]) {
          expect(x.answer?.headers.connection, message).not.toBe('close');
          expect(['end', 'EPIPE', 'ECONNRESET'], message).toContain(x.ending);
          expect(x.endedAfterMs, message).toBeGreaterThan(BUN_CUT.earliest);
          expect(x.endedAfterMs, message).toBeLessThan(BUN_CUT.latest);
        }
      } else {
        // deno-early-answer with deno-connection-close: Connection: close is sent, no connection is ever cut.
        for (const x of [cut, quiet, capped]) {
          expect(x.answer?.headers.connection, message).toBe('close');
          expect(x.ending, says(name, keepsOpen as Deviation)).toBe('open');
        }
      }
      const after = await metrics(service.url);
      for (const outcome of ['drained', 'timed_out', 'capped']) {
        expect(count(after, outcome) - count(before, outcome), `${message}: ${outcome}`).toBe(0);
      }
      expect(metricValue(after, 'http_lingering_connections'), message).toBe(0);
      expect(metricValue(after, 'image_inflight')).toBe(0);
      expect(metricValue(after, 'image_queued')).toBe(0);
    };

    const cutsAndCaps = async () => {
      const { declared, chunked: chunkedHead } = heads();
      const before = await metrics(service.url);

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
      await servesImages();

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
    };

    if (EARLY_ANSWER[name] === undefined) {
      it(
        'cuts a client that never stops at LINGER_TIMEOUT_MS and a silent one at LINGER_IDLE_MS, caps the third, and keeps serving',
        cutsAndCaps,
      );
    } else {
      it(
        `has no lingering bound of its own: a client that never stops is not cut, none is capped, nothing is counted${naming([name], EARLY_ANSWER, KEEPS_OPEN)}`,
        notCutNorCapped,
      );
    }
  });

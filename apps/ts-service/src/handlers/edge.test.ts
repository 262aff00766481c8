// The server's edge (contract README, "Edge policy", step 1) on a real server, with raw sockets: what Node's parser
// refuses, the header deadline and the checks of a parsed head are problem+json answers written straight to the
// socket, logged and counted; the connection then lingers and ends with a FIN.

import { once } from 'node:events';
import net from 'node:net';
import {
  buildProblem,
  CACHE_CONTROL,
  type ErrorCode,
  PROBLEM_CONTENT_TYPE,
  type Problem,
} from '@rtip/contract';
import { parseAnswer, type RawExchange, rawExchange, until } from '@rtip/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger, type RunningServer, startServer } from '../test/helpers.js';
import { SERVER_TIMINGS } from './serve.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;
const post = (headers: string, body = '') => `POST /process HTTP/1.1\r\nHost: test\r\n${headers}\r\n${body}`;
const invalid = (reason: string) => `The request is not valid HTTP/1.1: ${reason}.`;

/** A request for /healthz whose head is exactly `bytes` long, CRLFs included. */
function headOf(bytes: number, extra = ''): string {
  const bare = get('/healthz', `${extra}X-Pad: \r\n`);
  return get('/healthz', `${extra}X-Pad: ${'p'.repeat(bytes - bare.length)}\r\n`);
}

/** The counters now (prom-client hands out its live series, so the values are copied). */
async function counts(server: RunningServer) {
  const snapshot = async (counter: { get: () => Promise<{ values: { labels: object; value: number }[] }> }) =>
    (await counter.get()).values.map((v) => ({
      labels: { ...v.labels } as Record<string, string>,
      value: v.value,
    }));
  const requests = await snapshot(server.deps.metrics.httpRequests);
  const rejected = await snapshot(server.deps.metrics.rejected);
  return {
    edge: (status: number) =>
      requests.find(
        (v) =>
          v.labels.route === 'unmatched' &&
          v.labels.method === 'UNKNOWN' &&
          v.labels.status === String(status),
      )?.value ?? 0,
    all: requests.reduce((sum, v) => sum + v.value, 0),
    rejected: (code: ErrorCode) => rejected.find((v) => v.labels.code === code)?.value ?? 0,
  };
}

/** Checks one edge answer: exact headers, the contract's problem body, Connection: close, then a FIN. */
function expectEdgeAnswer(end: RawExchange, code: ErrorCode, status: number, detail: string): Problem {
  const answer = end.answer;
  expect(answer, end.received.toString('latin1')).toBeDefined();
  if (!answer) throw new Error('no answer');
  expect(answer.status).toBe(status);
  expect(answer.headerNames).toEqual([
    'Date',
    'Content-Type',
    'Content-Length',
    'X-Request-Id',
    'Cache-Control',
    'Connection',
  ]);
  expect(answer.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
  expect(answer.headers['cache-control']).toBe(CACHE_CONTROL);
  expect(answer.headers.connection).toBe('close');
  const id = answer.headers['x-request-id'] as string;
  expect(id).toMatch(UUID);
  expect(answer.body.toString()).toBe(JSON.stringify(buildProblem(code, detail, id)));
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(end.ending).toBe('end');
  return JSON.parse(answer.body.toString()) as Problem;
}

describe('the edge: what the parser refuses, as contract answers', () => {
  let server: RunningServer;
  const log = capturingLogger();
  beforeAll(async () => {
    server = await startServer({ MAX_UPLOAD_BYTES: '1048576' }, { logger: log.logger });
  });
  afterAll(() => server.close());

  const tooLarge = 'The request line and headers are larger than 16384 bytes.';
  const clWithTe = invalid('Content-Length together with Transfer-Encoding');
  const otherCoding = invalid('a transfer coding other than chunked');
  it.each([
    // Node: HPE_HEADER_OVERFLOW.
    [
      '20 KB of headers',
      get('/healthz', `X-Big: ${'a'.repeat(20_000)}\r\n`),
      431,
      'HEADERS_TOO_LARGE',
      tooLarge,
    ],
    // Under Node's own count (which leaves out the request line's method and version, ": " and CRLFs).
    ['a head of 16385 bytes, CRLFs included', headOf(16_385), 431, 'HEADERS_TOO_LARGE', tooLarge],
    // Node: HPE_INVALID_TRANSFER_ENCODING, or HPE_INVALID_CONTENT_LENGTH when Transfer-Encoding comes first.
    [
      'Content-Length, then Transfer-Encoding',
      post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'),
      400,
      'INVALID_REQUEST',
      clWithTe,
    ],
    [
      'Transfer-Encoding, then Content-Length',
      post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', '0\r\n\r\n'),
      400,
      'INVALID_REQUEST',
      clWithTe,
    ],
    // Node lets the head through and fails on the body (gzip), or accepts it (gzip, chunked).
    [
      'Transfer-Encoding: gzip',
      post('Transfer-Encoding: gzip\r\n', 'abc'),
      400,
      'INVALID_REQUEST',
      otherCoding,
    ],
    [
      'Transfer-Encoding: gzip, chunked',
      post('Content-Type: image/jpeg\r\nTransfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n'),
      400,
      'INVALID_REQUEST',
      otherCoding,
    ],
    // Node: HPE_UNEXPECTED_CONTENT_LENGTH.
    [
      'two different Content-Lengths',
      post('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd'),
      400,
      'INVALID_REQUEST',
      invalid('conflicting Content-Length headers'),
    ],
    // Node: HPE_INVALID_URL.
    [
      'raw UTF-8 in the query',
      `GET /process?name=caf${Buffer.from('é').toString('latin1')} HTTP/1.1\r\nHost: test\r\n\r\n`,
      400,
      'INVALID_REQUEST',
      invalid('raw non-ASCII or control bytes in the request target'),
    ],
    [
      'a control byte in the path',
      get('/heal\x01thz'),
      400,
      'INVALID_REQUEST',
      invalid('raw non-ASCII or control bytes in the request target'),
    ],
    // Node: HPE_INVALID_HEADER_TOKEN.
    [
      'a header line without a colon',
      get('/healthz', 'NoColon\r\n'),
      400,
      'INVALID_REQUEST',
      invalid('malformed header line'),
    ],
    // Node: HPE_INVALID_METHOD (e.g. TLS spoken to the plain port).
    [
      'a malformed request line',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
      400,
      'INVALID_REQUEST',
      invalid('malformed request line'),
    ],
    // Node answers these itself with a bare 400, or @hono/node-server does.
    ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'INVALID_REQUEST', invalid('no Host header')],
    [
      'two Host headers',
      get('/healthz', 'Host: other\r\n'),
      400,
      'INVALID_REQUEST',
      invalid('more than one Host header'),
    ],
    [
      'a backslash in the path',
      get('/a\\healthz'),
      400,
      'INVALID_REQUEST',
      invalid('a backslash in the request path'),
    ],
    [
      'an invalid Host header',
      'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n',
      400,
      'INVALID_REQUEST',
      invalid('an invalid Host header'),
    ],
    [
      'OPTIONS * (no such route)',
      'OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n',
      404,
      'NOT_FOUND',
      'No route for *.',
    ],
  ] as const)('%s: %i %s', async (_name, request, status, code, detail) => {
    const before = await counts(server);
    const end = await rawExchange(server.port, { head: request });
    const problem = expectEdgeAnswer(end, code, status, detail);
    const after = await counts(server);
    // Counted once, at the edge: no route saw the request.
    expect(after.edge(status)).toBe(before.edge(status) + 1);
    expect(after.all).toBe(before.all + 1);
    expect(after.rejected(code)).toBe(before.rejected(code) + 1);
    expect(log.lines.find((l) => l.requestId === problem.requestId)).toMatchObject({
      msg: 'request',
      method: 'UNKNOWN',
      status,
      code,
    });
  });

  it('a head of exactly 16384 bytes is accepted', async () => {
    const head = headOf(16_384, 'Connection: close\r\n');
    expect(head.length).toBe(16_384);
    const end = await rawExchange(server.port, { head });
    expect(end.answer?.status).toBe(200);
  });

  it('bad chunked framing while /process reads the body: 400 from the edge, counted once', async () => {
    const before = await counts(server);
    const head = post('Content-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n');
    const socket = net.connect(server.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
    });
    const ended = once(socket, 'end');
    socket.write(`${head}4\r\nabcd\r\n`);
    await until(async () => (await server.deps.metrics.uploading.get()).values[0]?.value === 1);
    socket.write('zz\r\n'); // not a chunk size
    await ended;
    socket.end();
    const text = received.toString();
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain(invalid('malformed chunked body'));
    // The route's read ends when the connection does; its own answer is neither sent nor counted.
    await until(async () => (await server.deps.metrics.uploading.get()).values[0]?.value === 0);
    await until(() => server.deps.uploadBudget.reserved === 0);
    const after = await counts(server);
    expect(after.edge(400)).toBe(before.edge(400) + 1);
    expect(after.all).toBe(before.all + 1);
  });

  it('a client that keeps sending after the answer reads all of it, then a FIN (lingering close)', async () => {
    const drained = async () =>
      (await server.deps.metrics.lingerCloses.get()).values.find((v) => v.labels.outcome === 'drained')
        ?.value ?? 0;
    const before = await drained();
    const end = await rawExchange(server.port, {
      head: post('Content-Length: 3145728\r\nTransfer-Encoding: chunked\r\n'),
      body: Buffer.alloc(3 * 1024 * 1024, 0x61),
    });
    expectEdgeAnswer(end, 'INVALID_REQUEST', 400, clWithTe);
    // The server read the 3 MiB to the client's FIN.
    await until(async () => (await drained()) === before + 1);
    expect(server.deps.linger.active).toBe(0);
  });

  it('a client that resets the connection gets nothing and nothing is counted', async () => {
    const before = await counts(server);
    const accepted = once(server.server, 'connection') as Promise<[net.Socket]>;
    const refused = once(server.server, 'clientError');
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /healthz HTTP/1.1\r\nHo');
    const [serverSide] = await accepted;
    await until(() => serverSide.bytesRead > 0);
    socket.resetAndDestroy();
    const [err] = (await refused) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
    expect((await counts(server)).all).toBe(before.all);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('an unknown Expect is ignored, not answered 417', async () => {
    const end = await rawExchange(server.port, {
      head: get('/healthz', 'Expect: something\r\nConnection: close\r\n'),
    });
    expect(end.answer?.status).toBe(200);
  });
});

describe('the edge: a parse error while another answer is on the wire', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ LINGER_IDLE_MS: '300' });
  });
  afterAll(() => server.close());

  it('an early answer lingering when the body breaks its framing still goes out whole, then a FIN', async () => {
    const before = await counts(server);
    const refused = once(server.server, 'clientError');
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      // The early answer is in: now the body breaks its chunked framing.
      if (parseAnswer(received) && !socket.writableEnded) socket.write('zz\r\n');
    });
    const ended = once(socket, 'end');
    socket.write(
      'POST /process?width=0 HTTP/1.1\r\nHost: test\r\nContent-Type: image/jpeg\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n',
    );
    const [err] = (await refused) as [NodeJS.ErrnoException];
    expect(err.code).toBe('HPE_INVALID_CHUNK_SIZE');
    await ended;
    socket.end();
    const answer = parseAnswer(received);
    expect(answer?.status).toBe(400);
    expect((JSON.parse(answer?.body.toString() ?? '{}') as Problem).code).toBe('INVALID_OPTION');
    expect(received.toString().match(/HTTP\/1\.1/g)).toHaveLength(1);
    // Counted once, by the route; the edge added nothing.
    const after = await counts(server);
    expect(after.all).toBe(before.all + 1);
    expect(after.edge(400)).toBe(before.edge(400));
  });
});

describe('the edge: the header deadline', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {},
      {},
      { headersTimeoutMs: 400, connectionsCheckingIntervalMs: 50, keepAliveTimeoutMs: 300 },
    );
  });
  afterAll(() => server.close());
  const detail = 'The request line and headers did not arrive within 400 ms.';

  it('headers that stop half-way: 408 HEADERS_TIMEOUT near the deadline, then a FIN', async () => {
    const before = await counts(server);
    const end = await rawExchange(server.port, { head: 'GET /healthz HTTP/1.1\r\nHost: te' });
    expectEdgeAnswer(end, 'HEADERS_TIMEOUT', 408, detail);
    expect(end.answeredAfterMs).toBeGreaterThanOrEqual(390);
    expect(end.answeredAfterMs).toBeLessThan(1_000);
    expect((await counts(server)).edge(408)).toBe(before.edge(408) + 1);
  });

  it('headers trickled a byte at a time are cut at the deadline all the same', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const started = performance.now();
    let received = '';
    socket.on('data', (c: Buffer) => {
      received += c.toString();
    });
    socket.on('error', () => undefined);
    const head = 'GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ';
    socket.write(head);
    const trickle = setInterval(() => socket.write('a'), 20);
    await once(socket, 'end');
    clearInterval(trickle);
    const elapsed = performance.now() - started;
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).toContain('"code":"HEADERS_TIMEOUT"');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('a connection that never sends a byte is closed without an answer, and nothing is counted', async () => {
    const before = await counts(server);
    const end = await rawExchange(server.port, { head: '' });
    expect(end.answer).toBeUndefined();
    expect(end.received.length).toBe(0);
    expect(end.endedAfterMs).toBeGreaterThanOrEqual(390);
    expect((await counts(server)).all).toBe(before.all);
  });

  it('an idle kept-alive connection is closed without an answer', async () => {
    const end = await rawExchange(server.port, { head: get('/healthz') });
    expect(end.answer?.status).toBe(200);
    expect(end.received.toString().match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(end.ending).toBe('end');
  });
});

describe('the edge: the next request on a kept-alive connection', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // The keep-alive timeout (200 ms + Node's 1 s of slack) fires before the header deadline.
    server = await startServer(
      {},
      {},
      { headersTimeoutMs: 2_000, connectionsCheckingIntervalMs: 50, keepAliveTimeoutMs: 200 },
    );
  });
  afterAll(() => server.close());

  it('half of its head, then nothing: 408 at the header deadline, not a silent keep-alive close', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    let secondAt = 0;
    socket.on('data', (c: Buffer) => {
      const first = received === '';
      received += c.toString();
      if (first) {
        secondAt = performance.now();
        socket.write('GET /healthz HTTP/1.1\r\nHo');
      }
    });
    socket.write(get('/healthz'));
    await once(socket, 'end');
    const elapsed = performance.now() - secondAt;
    socket.destroy();
    expect(received.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 408']);
    expect(received).toContain('"code":"HEADERS_TIMEOUT"');
    expect(elapsed).toBeGreaterThanOrEqual(1_990);
    expect(elapsed).toBeLessThan(3_000);
  });
});

describe('the server the process runs', () => {
  it('has the contract limits, and no timeout of its own on a request body', async () => {
    const server = await startServer();
    try {
      expect(SERVER_TIMINGS).toMatchObject({ maxHeaderBytes: 16_384, headersTimeoutMs: 10_000 });
      expect((server.server as unknown as { maxHeaderSize: number }).maxHeaderSize).toBe(16_384);
      expect(server.server.headersTimeout).toBe(10_000);
      expect(server.server.requestTimeout).toBe(0);
      expect(
        (server.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval,
      ).toBe(SERVER_TIMINGS.connectionsCheckingIntervalMs);
      expect(SERVER_TIMINGS.connectionsCheckingIntervalMs).toBeLessThanOrEqual(1_000);
    } finally {
      await server.close();
    }
  });
});

// Real HTTP server on an ephemeral port: streaming size limits, the upload budget and deadline, and overload, as a
// client sees them.

import http from 'node:http';
import net from 'node:net';
import type { Problem } from '@rtip/contract';
import { rawExchange, requestHead, until } from '@rtip/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type RunningServer, startServer } from './test/helpers.js';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(res: http.IncomingMessage): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
    );
    res.on('error', reject);
  });
}

describe('size limits on a real server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ MAX_UPLOAD_BYTES: '1048576' });
  });
  afterAll(() => server.close());

  it('answers a declared Content-Length over the limit at once, before any body byte is sent', async () => {
    const agent = new http.Agent({ keepAlive: false });
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = http.request(`${server.url}/process`, {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => collect(res).then(resolve, reject));
      req.on('error', reject);
      req.flushHeaders(); // headers only: the body is never written
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect((JSON.parse(answer.body) as Problem).code).toBe('PAYLOAD_TOO_LARGE');
    agent.destroy();
  });

  it('cuts a chunked upload off at the limit (413) and stays healthy', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0xff);
    let written = 0;
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = http.request(`${server.url}/process`, {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        collect(res).then(resolve, reject);
      });
      req.on('error', () => undefined); // the server may close while we are still writing
      const pump = () => {
        // An endless body as far as the server can tell; stop at 64 MiB or once answered.
        while (!answered && written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect((JSON.parse(answer.body) as Problem).code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.headers.connection).toBe('close');
    // The server stopped reading long before the client would have stopped sending.
    expect(written).toBeLessThan(32 * 1024 * 1024);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('overload on a real server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ CONCURRENCY: '1', QUEUE_DEPTH: '1' });
  });
  afterAll(() => server.close());

  it('a burst of 8 concurrent 12 MP requests gets only 200 and 503 OVERLOADED with Retry-After: 1', async () => {
    const image = new Uint8Array(fixture('photo-12mp.jpg'));
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`${server.url}/process`, {
          method: 'POST',
          body: image,
          headers: { 'Content-Type': 'image/jpeg' },
        });
        const body = Buffer.from(await res.arrayBuffer());
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
      }),
    );
    const ok = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    expect(ok.length + shed.length).toBe(8);
    expect(ok.length).toBeGreaterThanOrEqual(2); // one running, one queued
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const a of shed) {
      expect(a.retryAfter).toBe('1');
      expect((JSON.parse(a.body.toString()) as Problem).code).toBe('OVERLOADED');
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`image_rejected_total{code="OVERLOADED"} ${shed.length}`);
    expect(metrics).toContain('image_inflight 0');
    expect(metrics).toContain('image_queued 0');
  });
});

describe('the upload budget and deadline on a real server', () => {
  const KiB = 1024;
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      MAX_UPLOAD_BYTES: String(1024 * KiB),
      MAX_INFLIGHT_UPLOAD_BYTES: String(1024 * KiB),
      UPLOAD_TIMEOUT_MS: '500',
      LINGER_IDLE_MS: '300',
    });
  });
  afterAll(() => server.close());
  const gauge = async (name: 'uploading' | 'uploadReserved') =>
    (await server.deps.metrics[name].get()).values[0]?.value;

  it('a declared body that does not fit is 503 at once, without a 100, and the client reads it whole', async () => {
    const held = server.deps.uploadBudget.reserve(600 * KiB);
    try {
      const body = Buffer.alloc(500 * KiB, 0x61);
      const end = await rawExchange(server.port, {
        head: requestHead('/process', {
          'Content-Type': 'image/jpeg',
          'Content-Length': String(body.length),
          Expect: '100-continue',
        }),
        body,
      });
      expect(end.received.toString('latin1')).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(end.answer?.headers['retry-after']).toBe('1');
      expect(end.answer?.headers.connection).toBe('close');
      expect(JSON.parse(end.answer?.body.toString() ?? '{}')).toMatchObject({
        code: 'OVERLOADED',
        detail: 'The upload memory budget is in use; retry after 1 second.',
      });
      expect(end.ending).toBe('end');
      expect(server.deps.uploadBudget.reserved).toBe(600 * KiB);
    } finally {
      held?.release();
    }
  });

  it('a chunked body that outgrows the budget is 503 mid-stream, an early answer', async () => {
    const held = server.deps.uploadBudget.reserve(900 * KiB);
    try {
      const chunk = Buffer.alloc(64 * KiB, 0x61);
      const chunks = Array.from({ length: 8 }, () =>
        Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
      );
      const end = await rawExchange(server.port, {
        head: requestHead('/process', { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' }),
        body: Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]),
      });
      expect(end.answer?.status).toBe(503);
      expect(end.answer?.headers.connection).toBe('close');
      expect(end.ending).toBe('end');
      await until(() => server.deps.uploadBudget.reserved === 900 * KiB);
    } finally {
      held?.release();
    }
  });

  it('a body not complete within UPLOAD_TIMEOUT_MS: 408 UPLOAD_TIMEOUT as problem+json, not a bare 408, then a FIN', async () => {
    const end = await rawExchange(server.port, {
      head: requestHead('/process', { 'Content-Type': 'image/jpeg', 'Content-Length': String(100 * KiB) }),
      body: Buffer.alloc(10 * KiB),
    });
    expect(end.answer?.status).toBe(408);
    expect(end.answer?.headers['content-type']).toBe('application/problem+json');
    expect(end.answer?.headers.connection).toBe('close');
    expect(JSON.parse(end.answer?.body.toString() ?? '{}')).toMatchObject({
      code: 'UPLOAD_TIMEOUT',
      detail: 'The request body did not arrive within 500 ms.',
    });
    expect(end.answeredAfterMs).toBeGreaterThanOrEqual(490);
    expect(end.answeredAfterMs).toBeLessThan(2_000);
    // The client sends nothing more: the lingering close ends it after LINGER_IDLE_MS, with a FIN.
    expect(end.ending).toBe('end');
    expect(await gauge('uploading')).toBe(0);
    expect(await gauge('uploadReserved')).toBe(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('http_requests_total{route="/process",method="POST",status="408"} 1');
  });

  it('a client that goes away mid-upload gives its reservation back', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      requestHead('/process', { 'Content-Type': 'image/jpeg', 'Content-Length': String(800 * KiB) }),
    );
    socket.write(Buffer.alloc(100 * KiB));
    await until(async () => (await gauge('uploading')) === 1);
    expect(await gauge('uploadReserved')).toBe(800 * KiB);
    // Meanwhile the rest of the budget serves others.
    const small = fixture('photo-small.jpg');
    const ok = await fetch(`${server.url}/process`, {
      method: 'POST',
      body: new Uint8Array(small),
      headers: { 'Content-Type': 'image/jpeg' },
    });
    expect(ok.status).toBe(200);
    socket.destroy();
    await until(async () => (await gauge('uploadReserved')) === 0 && (await gauge('uploading')) === 0);
  });
});

describe('paths on a real server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({});
  });
  afterAll(() => server.close());

  for (const path of ['/a/../healthz', '/./info', '//process', '/healthz/']) {
    it(`${path} is 404 as sent, never normalised or redirected`, async () => {
      const answer = await new Promise<RawAnswer>((resolve, reject) => {
        const req = http.request(`${server.url}/`, { path, agent: false });
        req.on('response', (res) => collect(res).then(resolve, reject));
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(404);
      expect(answer.headers.location).toBeUndefined();
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'NOT_FOUND', detail: `No route for ${path}.` });
    });
  }
});

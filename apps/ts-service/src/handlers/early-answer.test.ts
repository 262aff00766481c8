// Early answers and the lingering close after them (contract README, "Early answers"), on a real server, as clients
// see them: the whole answer every time, then an orderly end, within the bounds.

import http from 'node:http';
import net from 'node:net';
import type { Problem } from '@rtip/contract';
import { chunkedBody, rawExchange, requestHead, until } from '@rtip/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type RunningServer, startServer } from '../test/helpers.js';

const MiB = 1024 * 1024;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Node's http.request with the whole body handed over at once (what axios, got and form-data end up doing). */
function nodeRequest(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  chunked: boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    // Once the answer is in, the client stops sending and may report that; only an error before it counts.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (!chunked) req.end(body);
    else {
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    }
  });
}

const code = (answer: { body: string } | undefined) =>
  answer ? (JSON.parse(answer.body) as Problem).code : undefined;

describe('early answers on a real server (MAX_UPLOAD_BYTES 1 MiB)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ MAX_UPLOAD_BYTES: String(MiB) });
  });
  afterAll(() => server.close());

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('Node http.request sending 3 MiB %s reads its 413 every time (20 tries)', async (_name, isChunked) => {
    const body = Buffer.alloc(3 * MiB, 0xab);
    const headers = {
      'Content-Type': 'image/jpeg',
      ...(isChunked ? {} : { 'Content-Length': String(body.length) }),
    };
    for (let i = 0; i < 20; i++) {
      const answer = await nodeRequest(`${server.url}/process`, headers, body, isChunked);
      expect(answer.status, `try ${i}`).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(code(answer)).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('fetch sending 3 MiB reads its 413 every time (20 tries)', async () => {
    const body = new Uint8Array(3 * MiB);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/process`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'image/jpeg' },
      });
      expect(res.status, `try ${i}`).toBe(413);
      expect(((await res.json()) as Problem).code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  const big = Buffer.alloc(3 * MiB, 0xab);
  it.each([
    [
      '413 by declared length',
      '/process',
      { 'Content-Type': 'image/jpeg', 'Content-Length': String(big.length) },
      big,
      413,
    ],
    [
      '413 mid-stream',
      '/process',
      { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' },
      chunkedBody(big, big.length),
      413,
    ],
    [
      '415 from the content type',
      '/process',
      { 'Content-Type': 'text/plain', 'Content-Length': String(big.length) },
      big,
      415,
    ],
    [
      '400 from the query',
      '/process?width=0',
      { 'Content-Type': 'image/jpeg', 'Transfer-Encoding': 'chunked' },
      chunkedBody(big, big.length),
      400,
    ],
    [
      '404 with a body',
      '/nope',
      { 'Content-Type': 'image/jpeg', 'Content-Length': String(big.length) },
      big,
      404,
    ],
  ] as const)(
    '%s: a client that keeps writing reads the whole answer, then an orderly end',
    async (_name, target, headers, body, status) => {
      // The previous test's last connection may still be lingering until its client closes.
      await until(() => server.deps.linger.active === 0);
      const drained = (await server.deps.metrics.lingerCloses.get()).values.find(
        (v) => v.labels.outcome === 'drained',
      );
      const before = drained?.value ?? 0;
      for (let i = 0; i < 5; i++) {
        const end = await rawExchange(server.port, { head: requestHead(target, headers), body });
        expect(end.answer?.status, `try ${i}`).toBe(status);
        expect(end.answer?.headers.connection).toBe('close');
        expect(end.ending, `try ${i}`).toBe('end');
      }
      const after = (await server.deps.metrics.lingerCloses.get()).values.find(
        (v) => v.labels.outcome === 'drained',
      );
      expect(after?.value).toBe(before + 5);
      expect(server.deps.linger.active).toBe(0);
    },
  );

  it('a refusal decided after the whole body keeps the connection (415 by the bytes)', async () => {
    const res = await fetch(`${server.url}/process`, {
      method: 'POST',
      body: fixture('not-an-image.jpg'),
      headers: { 'Content-Type': 'image/jpeg' },
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('connection')).not.toBe('close');
    await res.arrayBuffer();
  });
});

describe('Expect: 100-continue', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ MAX_UPLOAD_BYTES: String(MiB) });
  });
  afterAll(() => server.close());

  /** Sends the head only and resolves with the first status line the server writes. */
  const firstStatus = (headers: Record<string, string>, then?: Buffer) =>
    new Promise<{ first: string; all: () => string; socket: net.Socket }>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no answer: ${text}`)), 5_000);
      socket.on('data', (chunk: Buffer) => {
        const firstData = text === '';
        text += chunk.toString('latin1');
        if (firstData) {
          clearTimeout(timer);
          if (then) socket.write(then);
          resolve({ first: text.split('\r\n')[0] ?? '', all: () => text, socket });
        }
      });
      socket.on('error', reject);
      socket.write(requestHead('/process', { ...headers, Expect: '100-continue' }));
    });

  it('answers a declared body over the limit 413 without a 100 first', async () => {
    const { first, socket } = await firstStatus({
      'Content-Type': 'image/jpeg',
      'Content-Length': String(30 * MiB),
    });
    expect(first).toBe('HTTP/1.1 413 Payload Too Large');
    socket.destroy();
  });

  it('sends the 100 for a body it reads, then processes it', async () => {
    const image = fixture('photo-small.jpg');
    const { first, all, socket } = await firstStatus(
      { 'Content-Type': 'image/jpeg', 'Content-Length': String(image.length) },
      image,
    );
    expect(first).toBe('HTTP/1.1 100 Continue');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 200: ${all().slice(0, 200)}`)), 10_000);
      const check = () => {
        if (all().includes('HTTP/1.1 200 OK')) {
          clearTimeout(timer);
          resolve();
        } else socket.once('data', check);
      };
      check();
    });
    socket.destroy();
  });
});

describe('lingering bounds and cap', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      MAX_UPLOAD_BYTES: '65536',
      LINGER_IDLE_MS: '400',
      LINGER_TIMEOUT_MS: '1200',
      MAX_LINGERING: '1',
    });
  });
  afterAll(() => server.close());

  const outcome = async (name: string) =>
    (await server.deps.metrics.lingerCloses.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;
  const declared = requestHead('/process', {
    'Content-Type': 'image/jpeg',
    'Content-Length': String(100 * MiB),
  });

  it('cuts a client that stops sending after LINGER_IDLE_MS, with a FIN', async () => {
    const end = await rawExchange(server.port, { head: declared, body: Buffer.alloc(4096) });
    expect(end.answer?.status).toBe(413);
    expect(end.ending).toBe('end');
    expect(end.endedAfterMs).toBeGreaterThanOrEqual(370);
    expect(end.endedAfterMs).toBeLessThan(1_200);
    expect(await outcome('timed_out')).toBe(1);
  });

  it('cuts a client that never stops after LINGER_TIMEOUT_MS; the next early answer while it lingers is capped', async () => {
    // A trickle of 1 KiB every 10 ms: never idle, never done.
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined); // the cut may reach the writer as a reset
    socket.write(declared);
    const trickle = setInterval(() => socket.write(Buffer.alloc(1024)), 10);
    let answeredAt = 0;
    const ended = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not cut within 5 s')), 5_000);
      socket.once('data', () => {
        answeredAt = performance.now();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        clearInterval(trickle);
        resolve(performance.now() - answeredAt);
      });
    });
    await until(() => server.deps.linger.active === 1);
    // MAX_LINGERING is 1: this one is answered and closed at once.
    const capped = await rawExchange(server.port, { head: declared, body: Buffer.alloc(0) });
    expect(capped.answer?.status).toBe(413);
    expect(capped.ending).toBe('end');
    // Had it lingered, its silence would have kept it open for LINGER_IDLE_MS.
    expect(capped.endedAfterMs).toBeLessThan(400);
    expect(await outcome('capped')).toBe(1);

    const cutAfter = await ended;
    expect(cutAfter).toBeGreaterThanOrEqual(1_150);
    expect(cutAfter).toBeLessThan(2_500);
    expect(await outcome('timed_out')).toBe(2);
    expect(server.deps.linger.active).toBe(0);
    expect((await server.deps.metrics.lingering.get()).values[0]?.value).toBe(0);
  });
});

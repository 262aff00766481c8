// Real HTTP server on an ephemeral port: streaming size limits and overload, as a client sees them.

import http from 'node:http';
import type { Problem } from '@rtip/contract';
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

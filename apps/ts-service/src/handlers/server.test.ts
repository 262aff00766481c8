// The runtime-neutral part of the Bun and Deno servers (server.ts, and the pure parts of server-bun.ts), on Node:
// web Requests built here stand for what Bun.serve and Deno.serve hand over.

import { EDGE_LIMITS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { runtime } from '../runtime-info.js';
import { capturingLogger, fixture, testApp } from '../test/helpers.js';
import {
  declaresBody,
  dropBody,
  exchangeHandler,
  headBytes,
  normalisedPath,
  OpenAnswers,
  pathOfUrl,
  refuseHead,
  tapBody,
} from './server.js';
import { bunEarlyAnswer, bunPathAsSent, bunSeconds, bunSecondsAtLeast } from './server-bun.js';

const stream = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

const post = (url: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
  new Request(url, {
    method: 'POST',
    body,
    headers: { host: 'x', ...headers },
    duplex: 'half',
  } as RequestInit);

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await new Response(body).arrayBuffer());
}

describe('paths as sent', () => {
  it('reads the path of a URL without parsing it: dot segments, double slashes and # stay', () => {
    expect(pathOfUrl('http://x/a/../healthz?q=1')).toBe('/a/../healthz');
    expect(pathOfUrl('http://x//process')).toBe('//process');
    expect(pathOfUrl('http://x:8084/healthz#x')).toBe('/healthz#x');
    expect(pathOfUrl('http://x')).toBe('/');
  });

  it('on Bun, a route path reaching fetch was spelled otherwise; any other path is as sent', () => {
    expect(bunPathAsSent('http://x/healthz')).toBeUndefined();
    expect(bunPathAsSent('http://x/process?width=1')).toBeUndefined();
    expect(bunPathAsSent('http://x//process')).toBe('//process');
    expect(bunPathAsSent('http://x/%68ealthz')).toBe('/%68ealthz');
  });

  it('the app answers 404, not the route, when the server lost the spelling or the path is not a route', async () => {
    const { app, deps } = testApp();
    const handle = exchangeHandler(app, deps);
    const get = (url: string) => new Request(url, { headers: { host: 'x' } });
    const lost = await handle(get('http://x/healthz'), { pathAsSent: undefined, peer: undefined });
    expect(lost.response.status).toBe(404);
    expect(((await lost.response.json()) as { detail: string }).detail).toContain(normalisedPath('/healthz'));
    const encoded = await handle(get('http://x/%68ealthz'), { pathAsSent: '/%68ealthz', peer: undefined });
    expect(encoded.response.status).toBe(404);
    const plain = await handle(get('http://x/healthz'), { pathAsSent: '/healthz', peer: undefined });
    expect(plain.response.status).toBe(200);
    expect(plain.pendingBody).toBeUndefined();
  });
});

describe('head rules a web server lets through', () => {
  const request = (headers: Record<string, string>, method = 'GET') =>
    new Request('http://x/healthz', { method, headers });

  it('counts the head as sent and refuses it past 16 KiB with 431', () => {
    const at = (n: number) => request({ host: 'x', 'x-big': 'a'.repeat(n) });
    const base = headBytes(at(0), '/healthz');
    expect(base).toBe('GET /healthz HTTP/1.1\r\n\r\n'.length + 'host: x\r\n'.length + 'x-big: \r\n'.length);
    const fits = EDGE_LIMITS.maxHeaderBytes - base;
    expect(refuseHead(at(fits), '/healthz', EDGE_LIMITS)).toBeUndefined();
    expect(refuseHead(at(fits + 1), '/healthz', EDGE_LIMITS)?.code).toBe('HEADERS_TOO_LARGE');
  });

  it('refuses a transfer coding other than chunked, raw bytes in the target, no Host, two Hosts', () => {
    const reason = (headers: Record<string, string>, target = '/healthz') =>
      refuseHead(request(headers), target, EDGE_LIMITS)?.detail;
    expect(reason({ host: 'x', 'transfer-encoding': 'gzip, chunked' })).toContain('transfer coding');
    expect(reason({ host: 'x', 'transfer-encoding': 'Chunked' })).toBeUndefined();
    expect(reason({ host: 'x' }, '/healthz?q=caf\u00c3\u00a9')).toContain('raw non-ASCII');
    expect(reason({ host: 'x' }, '/healthz?q=a\u0001b')).toContain('raw non-ASCII');
    expect(reason({})).toContain('no Host');
    expect(reason({ host: 'a, b' })).toContain('more than one Host');
  });

  it('answers a refused head as problem+json with Connection: close, logged and counted as the edge does', async () => {
    const { logger, lines } = capturingLogger();
    const { app, deps } = testApp({}, { logger });
    const handle = exchangeHandler(app, deps);
    const { response } = await handle(request({ 'x-big': 'a'.repeat(20_000), host: 'x' }), {
      pathAsSent: '/healthz',
      peer: { address: '127.0.0.1', port: 4000 },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('connection')).toBe('close');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as { code: string; requestId: string };
    expect(body.code).toBe('HEADERS_TOO_LARGE');
    expect(response.headers.get('x-request-id')).toBe(body.requestId);
    expect(lines.at(-1)).toMatchObject({ method: 'UNKNOWN', status: 431, peer: '127.0.0.1:4000' });
    const metrics = await deps.metrics.registry.metrics();
    expect(metrics).toContain('image_rejected_total{code="HEADERS_TOO_LARGE"} 1');
  });
});

describe('the body tap', () => {
  it('knows a body that was read to its end: nothing is left', async () => {
    const tapped = tapBody(post('http://x/process', stream('ab', 'cd'), { 'content-length': '4' }));
    expect(await readAll(tapped.request.body as ReadableStream<Uint8Array>)).toBe('abcd');
    expect(tapped.rest()).toBeUndefined();
  });

  it('keeps the rest of a body the app stopped reading, for the lingering close', async () => {
    const tapped = tapBody(
      post('http://x/process', stream('ab', 'cd', 'ef'), { 'transfer-encoding': 'chunked' }),
    );
    const reader = (tapped.request.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('ab');
    await reader.cancel();
    const rest = tapped.rest();
    expect(rest).toBeDefined();
    expect(await readAll(rest as ReadableStream<Uint8Array>)).toBe('cdef');
  });

  it('leaves requests without a declared body alone', () => {
    const get = new Request('http://x/healthz');
    expect(tapBody(get).request).toBe(get);
    expect(declaresBody(new Headers({ 'content-length': '0' }))).toBe(false);
    expect(declaresBody(new Headers({ 'transfer-encoding': 'chunked' }))).toBe(true);
  });

  it('an early answer of the app comes with the rest of the body', async () => {
    const { app, deps } = testApp({ MAX_UPLOAD_BYTES: '10' });
    const handle = exchangeHandler(app, deps);
    const { response, pendingBody } = await handle(
      post('http://x/process', stream('0123456789', 'abcdef'), {
        'content-type': 'image/jpeg',
        'content-length': '16',
      }),
      { pathAsSent: '/process', peer: undefined },
    );
    expect(response.status).toBe(413);
    expect(pendingBody).toBeDefined();
    expect(await readAll(pendingBody as ReadableStream<Uint8Array>)).toBe('0123456789abcdef');
  });

  it('an image read whole is an ordinary answer', async () => {
    const { app, deps } = testApp();
    const handle = exchangeHandler(app, deps);
    const jpeg = fixture('photo-small.jpg');
    const { response, pendingBody } = await handle(
      post('http://x/process?width=32', jpeg, {
        'content-type': 'image/jpeg',
        'content-length': String(jpeg.length),
      }),
      { pathAsSent: '/process', peer: undefined },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-image-width')).toBe('32');
    expect(pendingBody).toBeUndefined();
  });
});

describe('dropBody (Bun, after a Connection: close request)', () => {
  it('reads a body to its end', async () => {
    expect(await dropBody(stream('x'.repeat(1000), 'y'), { idleMs: 500, timeoutMs: 2_000 })).toBe('drained');
  });

  it('stops at the idle bound when the client stops sending', async () => {
    const silent = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const started = performance.now();
    expect(await dropBody(silent, { idleMs: 100, timeoutMs: 2_000 })).toBe('timed_out');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('stops at the total bound while bytes keep coming', async () => {
    let cancelled = false; // a timer still pending after the cancel must not enqueue into the closed stream
    const endless = new ReadableStream<Uint8Array>({
      pull: (c) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            if (!cancelled) c.enqueue(new Uint8Array(10));
            resolve();
          }, 10),
        ),
      cancel: () => {
        cancelled = true;
      },
    });
    const started = performance.now();
    expect(await dropBody(endless, { idleMs: 100, timeoutMs: 300 })).toBe('timed_out');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('Bun specifics', () => {
  it('sends early answers without Connection: close (Bun would reset the connection)', () => {
    const answer = bunEarlyAnswer(
      new Response('x', { status: 413, headers: { connection: 'close', 'x-a': '1' } }),
    );
    expect(answer.headers.get('connection')).toBeNull();
    expect(answer.headers.get('x-a')).toBe('1');
    expect(answer.status).toBe(413);
  });

  it('turns milliseconds into Bun timeout seconds (1 to 255)', () => {
    expect(bunSeconds(10_000)).toBe(10);
    expect(bunSeconds(1)).toBe(1);
    expect(bunSeconds(1_500)).toBe(2);
    expect(bunSeconds(10_000_000)).toBe(255);
  });

  it("gives a lingering close seconds that Bun's 4 s sweep cannot fire before the milliseconds asked", () => {
    // Bun fires a timeout of s seconds at the ((s + 3) >> 2)th sweep: from 4·(n − 1) to 4·n seconds after it is set.
    const window = (s: number) => [4_000 * (((s + 3) >> 2) - 1), 4_000 * ((s + 3) >> 2)];
    for (const ms of [1, 1_000, 2_000, 3_999, 4_000, 4_001, 5_000, 30_000, 60_000]) {
      const [earliest, latest] = window(bunSecondsAtLeast(ms));
      expect(earliest, `${ms} ms`).toBeGreaterThanOrEqual(ms);
      expect(latest, `${ms} ms`).toBeLessThanOrEqual(ms + 8_000);
    }
    expect(bunSecondsAtLeast(2_000)).toBe(5); // fires 4–8 s later; bunSeconds' 2 could fire at once
    expect(bunSecondsAtLeast(5_000)).toBe(9);
    expect(bunSecondsAtLeast(10_000_000)).toBe(255);
  });
});

describe('open answers and the runtime', () => {
  it('counts answers until they settle and wakes the drain at 0', async () => {
    const open = new OpenAnswers();
    let finish: () => void = () => undefined;
    open.hold(
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    open.hold(Promise.reject(new Error('client went away')));
    await Promise.resolve();
    let idle = false;
    const waiting = open.idle().then(() => {
      idle = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(open.count).toBe(1);
    expect(idle).toBe(false);
    finish();
    await waiting;
    expect(open.count).toBe(0);
  });

  it('names the runtime by its own name and version', () => {
    expect(runtime()).toEqual({ name: 'node', version: process.version });
    expect(runtime({ Bun: { version: '1.4.4' } })).toEqual({ name: 'bun', version: '1.4.4' });
    expect(runtime({ Deno: { version: { deno: '2.9.6' } } })).toEqual({ name: 'deno', version: '2.9.6' });
  });
});

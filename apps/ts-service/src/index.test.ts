// run() in this process, as main.cts calls it: configuration errors, listening, serving, and the drain on abort.
// (shutdown.test.ts runs the built entry as a child process: the threadpool, signals and exit codes.)

import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { Problem } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { ConfigError, run } from './index.js';
import { fixture } from './test/helpers.js';

type Line = Record<string, unknown>;

/** A log destination that keeps the lines and tells when one with a given `msg` is written. */
function logSink() {
  const lines: Line[] = [];
  const waiting: Array<{ msg: string; wake: (line: Line) => void }> = [];
  return {
    lines,
    write(text: string) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const w of waiting.filter((w) => w.msg === line.msg)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.wake(line);
      }
    },
    /** The first line logged with `msg`, as soon as it is written; fails after `ms`. */
    logged(msg: string, ms = 10_000): Promise<Line> {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${msg}" line within ${ms} ms`)), ms);
        waiting.push({
          msg,
          wake: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

const ENV = { HOST: '127.0.0.1', PORT: '0' };

/** Starts run() and waits for its listening line. */
async function start(env: Record<string, string> = {}) {
  const sink = logSink();
  const stop = new AbortController();
  let settled = false;
  const running = run([], { ...ENV, ...env }, sink, stop.signal).finally(() => {
    settled = true;
  });
  const listening = await Promise.race([sink.logged('listening'), running.then(() => ({}) as Line)]);
  const port = listening.port as number;
  return { sink, stop, running, port, url: `http://127.0.0.1:${port}`, settled: () => settled };
}

/** An upload the test holds: headers with `Expect: 100-continue` only; the body is sent by `finish`. */
async function heldUpload(port: number, image: Buffer) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/process',
    method: 'POST',
    agent: false,
    headers: { 'Content-Type': 'image/jpeg', 'Content-Length': image.length, Expect: '100-continue' },
  });
  const answer = new Promise<{ status: number; connection?: string; bytes: number }>((resolve, reject) => {
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, bytes }),
      );
    });
    req.on('error', reject);
  });
  answer.catch(() => undefined); // awaited (or expected to fail) by the test
  req.flushHeaders();
  // The 100 goes out only once the route has passed its checks (draining among them) and reads the body.
  await once(req, 'continue', { signal: AbortSignal.timeout(10_000) });
  return { answer, finish: () => req.end(image) };
}

describe('run()', () => {
  it('reports every invalid variable at once, and serves nothing', async () => {
    const sink = logSink();
    const error = await run(
      [],
      { ...ENV, PORT: '99999', CONCURRENCY: 'zero', LOG_LEVEL: 'loud' },
      sink,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const { errors, message } = error as ConfigError;
    expect(errors).toHaveLength(3);
    for (const name of ['PORT', 'CONCURRENCY', 'LOG_LEVEL']) {
      expect(
        errors.filter((e) => e.startsWith(`${name} must be `)),
        name,
      ).toHaveLength(1);
    }
    expect(message).toBe(['invalid configuration:', ...errors].join('\n'));
    expect(sink.lines).toEqual([]);
  });

  it('takes no arguments', async () => {
    await expect(run(['serve'], ENV, logSink())).rejects.toThrow(/^unexpected arguments \["serve"\]/);
  });

  it('rejects with the address when it cannot listen', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const sink = logSink();
      await expect(run([], { ...ENV, PORT: String(port) }, sink)).rejects.toThrow(
        `listen on 127.0.0.1:${port}: listen EADDRINUSE`,
      );
      expect(sink.lines.map((l) => l.msg)).not.toContain('listening');
    } finally {
      busy.close();
    }
  });

  it('serves /healthz and /readyz once listening, and stops when its signal aborts', async () => {
    const s = await start({ CONCURRENCY: '3', QUEUE_DEPTH: '5' });
    expect(s.sink.lines[0]).toMatchObject({
      msg: 'listening',
      level: 'info',
      address: s.url,
      port: s.port,
      concurrency: 3,
      queueDepth: 5,
      sharpConcurrency: 1,
      sharpCache: false,
    });
    const health = await fetch(`${s.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${s.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect(s.settled()).toBe(false);

    s.stop.abort('SIGTERM');
    await s.running;
    expect(s.sink.lines.map((l) => l.msg)).toEqual([
      'listening',
      'request',
      'request',
      'draining',
      'stopped',
    ]);
    expect(s.sink.lines.at(-2)).toMatchObject({ signal: 'SIGTERM', shutdownTimeoutMs: 10_000 });
    expect(s.sink.lines.at(-1)).toMatchObject({ forced: false });
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow(); // the listener is closed
  });

  it('drains on abort: /readyz 503, new images refused, the upload in flight answered, then resolves', async () => {
    const s = await start({ CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '20000' });
    const image = fixture('photo-small.jpg');
    const upload = await heldUpload(s.port, image);

    s.stop.abort('SIGTERM');
    expect(await s.sink.logged('draining')).toMatchObject({ signal: 'SIGTERM', shutdownTimeoutMs: 20_000 });
    // The listener stays open while work is in flight: probes see why, images are refused with a reason.
    const ready = await fetch(`${s.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'draining' }]);
    expect(ready.headers.get('connection')).toBe('close');
    const refused = await fetch(`${s.url}/process`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg' },
      body: new Uint8Array(image),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as Problem).code).toBe('OVERLOADED');
    expect(s.settled()).toBe(false);

    upload.finish();
    const answer = await upload.answer;
    expect(answer).toMatchObject({ status: 200, connection: 'close' });
    expect(answer.bytes).toBeGreaterThan(1000);
    await s.running;
    expect(s.sink.lines.at(-1)).toMatchObject({ msg: 'stopped', forced: false });
  });

  it('cuts what is still open at SHUTDOWN_TIMEOUT_MS and resolves', async () => {
    const s = await start({ SHUTDOWN_TIMEOUT_MS: '300' });
    const upload = await heldUpload(s.port, fixture('photo-small.jpg')); // its body never comes
    const aborted = performance.now();
    s.stop.abort('SIGINT');
    await s.running;
    expect(performance.now() - aborted).toBeGreaterThanOrEqual(290);
    expect(s.sink.lines.find((l) => l.msg === 'draining')).toMatchObject({ signal: 'SIGINT' });
    expect(s.sink.lines.at(-1)).toMatchObject({ msg: 'stopped', forced: true });
    await expect(upload.answer).rejects.toThrow(); // the connection was cut, no answer
  });
});

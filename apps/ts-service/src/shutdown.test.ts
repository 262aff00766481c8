// The built entry (dist/main.cjs) as a child process: bad config and a taken port (exit 1, one message), the
// threadpool sizing, and a graceful SIGTERM during in-flight work (exit 0). index.test.ts calls run() itself.
// Needs `dist/` (the package's `test` script builds first).

import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from './test/helpers.js';

const ENTRY = fileURLToPath(new URL('../dist/main.cjs', import.meta.url));

interface Child {
  proc: ChildProcess;
  /** Every line written to stdout and stderr, in order. */
  lines: string[];
  exited: Promise<number | null>;
  /** The first JSON log line with `msg`, as soon as it is written; fails after `ms` or if the process exits. */
  logged: (msg: string, ms?: number) => Promise<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const proc of children.splice(0)) if (proc.exitCode === null) proc.kill('SIGKILL');
});

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined; // stderr text
  }
};

function launch(env: Record<string, string>): Child {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run the build first (pnpm build)`);
  const proc = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const lines: string[] = [];
  const events = new EventEmitter();
  let rest = '';
  const onData = (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      events.emit('line', line);
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  // 'close', not 'exit': by then stdout and stderr have been read to their end.
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const logged = (msg: string, ms = 15_000) => {
    const seen = lines.map(parse).find((l) => l?.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        events.off('line', onLine);
        fn();
      };
      const onLine = (line: string) => {
        const parsed = parse(line);
        if (parsed?.msg === msg) done(() => resolve(parsed));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no "${msg}" line within ${ms} ms`))), ms);
      events.on('line', onLine);
      void exited.then((code) => done(() => reject(new Error(`exited with ${code} before a "${msg}" line`))));
    });
  };
  return { proc, lines, exited, logged };
}

/** Polls `probe` every 20 ms until it holds; fails after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function post(
  port: number,
  path: string,
  body: Buffer,
): Promise<{ status: number; connection?: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'image/jpeg' },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, bytes }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('process lifecycle', () => {
  it('exits 1 and names every invalid variable, on stderr, without a stack trace', async () => {
    const child = launch({ CONCURRENCY: 'zero', LOG_LEVEL: 'loud' });
    expect(await child.exited).toBe(1);
    // The header, then one line per variable (the contract's wording, checked in index.test.ts), nothing else.
    expect(child.lines).toEqual([
      'ts-service: invalid configuration:',
      expect.stringMatching(/^CONCURRENCY .*"zero"$/),
      expect.stringMatching(/^LOG_LEVEL .*"loud"$/),
    ]);
  });

  it('exits 1 with one line when its port is taken', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const child = launch({ PORT: String(port) });
      expect(await child.exited).toBe(1);
      expect(child.lines).toEqual([
        `ts-service: listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      ]);
    } finally {
      busy.close();
    }
  });

  it('on SIGTERM: reports draining, refuses new images, finishes in-flight requests, exits 0', async () => {
    const child = launch({ CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '30000' });
    const listening = await child.logged('listening');
    const port = listening.port as number;
    expect(listening.uvThreadpoolSize).toBe(4);

    // Two slow requests (12 MP in, 12 MP PNG out), wait until both are being processed.
    const image = fixture('photo-12mp.jpg');
    const inflight = [post(port, '/process?format=png', image), post(port, '/process?format=png', image)];
    await until('two images in flight', async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^image_inflight 2$/m.test(text);
    });

    child.proc.kill('SIGTERM');
    expect(await child.logged('draining')).toMatchObject({ signal: 'SIGTERM', shutdownTimeoutMs: 30_000 });
    // The listener stays open while work is in flight: probes see 503, new images are refused.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    const refused = await post(port, '/process', fixture('photo-small.jpg'));
    expect(refused.status).toBe(503);

    const answers = await Promise.all(inflight);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.bytes).toBeGreaterThan(1000);
      expect(a.connection).toBe('close');
    }
    expect(await child.exited).toBe(0);
    // In order, each once: the synchronous writer leaves no line behind the exit.
    expect(child.lines.map((l) => parse(l)?.msg).filter((m) => m !== 'request')).toEqual([
      'listening',
      'draining',
      'stopped',
    ]);
    expect(await child.logged('stopped')).toMatchObject({ forced: false });
  });
});

// The built entry as a child process: start-up, bad config, and a graceful SIGTERM during in-flight work.
// Needs `dist/` (the package's `test` script builds first).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from './test/helpers.js';

const ENTRY = fileURLToPath(new URL('../dist/main.cjs', import.meta.url));

interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const proc of children.splice(0)) if (proc.exitCode === null) proc.kill('SIGKILL');
});

function launch(env: Record<string, string>): Child {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run the build first (pnpm build)`);
  const proc = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const lines: string[] = [];
  let rest = '';
  const onData = (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, lines, exited };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const logged = (child: Child, msg: string) =>
  child.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);

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
  it('exits 1 and names every invalid variable', async () => {
    const child = launch({ CONCURRENCY: 'zero', LOG_LEVEL: 'loud' });
    expect(await child.exited).toBe(1);
    const text = child.lines.join('\n');
    expect(text).toContain('CONCURRENCY');
    expect(text).toContain('LOG_LEVEL');
  });

  it('on SIGTERM: reports draining, refuses new images, finishes in-flight requests, exits 0', async () => {
    const child = launch({ CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '30000' });
    const listening = await until('the listening line', () => logged(child, 'listening'));
    const port = listening.port as number;
    expect(listening.uvThreadpoolSize).toBe(4);

    // Two slow requests (12 MP in, 12 MP PNG out), wait until both are being processed.
    const image = fixture('photo-12mp.jpg');
    const inflight = [post(port, '/process?format=png', image), post(port, '/process?format=png', image)];
    await until('two images in flight', async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^image_inflight 2$/m.test(text) ? true : undefined;
    });

    child.proc.kill('SIGTERM');
    await until('draining', () => logged(child, 'draining'));
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
    expect(logged(child, 'stopped')).toMatchObject({ forced: false });
  });
});

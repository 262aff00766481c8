// The ts-bun and ts-deno entries as processes (dist/main-bun.js, dist/main-deno.js, built by `pnpm build`), with the
// pinned runtimes (BUN / DENO, default: .tools/bin at the repository root, then PATH): each starts, says which
// runtime it is, answers /healthz, serves an image byte for byte as the app does on Node, refuses a path that Bun
// would resolve, and drains on SIGTERM.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, rawExchange, waitHealthy } from '@rtip/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, testApp } from '../test/helpers.js';

const serviceDir = join(import.meta.dirname, '..', '..');
const toolsBin = join(serviceDir, '..', '..', '.tools', 'bin');

/** The runtime binary: its variable, else the project's pinned copy, else the name (PATH). */
const binary = (name: 'bun' | 'deno') => {
  const fromEnv = process.env[name.toUpperCase()];
  if (fromEnv) return fromEnv;
  const pinned = join(toolsBin, name);
  return existsSync(pinned) ? pinned : name;
};

const TARGETS = [
  { name: 'ts-bun', runtime: 'bun', args: ['--max-http-header-size=65536', 'dist/main-bun.js'] },
  { name: 'ts-deno', runtime: 'deno', args: ['run', '-A', 'dist/main-deno.js'] },
] as const;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe.each(TARGETS)('$name', ({ runtime, args }) => {
  it('starts, names its runtime, serves the image Node serves, and drains on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(binary(runtime), args, {
      cwd: serviceDir,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, {
      timeoutMs: 20_000,
      gone: () => (child.exitCode === null ? undefined : `exited ${child.exitCode}:\n${output}`),
    });

    const listening = output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg?: string; runtime?: { name: string } })
      .find((line) => line.msg === 'listening');
    expect(listening?.runtime?.name, output).toBe(runtime);
    const info = (await (await fetch(`${url}/info`)).json()) as {
      runtime: { name: string; version: string };
    };
    expect(info.runtime.name).toBe(runtime);
    expect(info.runtime.version).toMatch(/^\d+\.\d+\.\d+/); // its own version, not the emulated v-prefixed Node one

    const jpeg = fixture('photo-small.jpg');
    const res = await fetch(`${url}/process?width=64&grayscale=true`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const { app } = testApp();
    const expected = await app.request('/process?width=64&grayscale=true', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    expect(bytes.equals(Buffer.from(await expected.arrayBuffer()))).toBe(true);

    // Bun resolves dot segments in request.url; the path as sent is still not a route (fetch would resolve it too).
    const dotted = await rawExchange(url, {
      head: 'GET /a/../healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    });
    expect(dotted.answer?.status).toBe(404);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"stopped"');
  });
});

// Starts and stops the built implementations as child processes, on free ports, for the suite.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Implementation } from '@rtip/contract';
import { freePort, waitHealthy } from '@rtip/testkit';

export type { Implementation };
export { freePort };

export interface RunningService {
  name: Implementation;
  url: string;
  pid: number;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Everything the service wrote, for failure messages. */
  output: () => string;
  signal: (signal: NodeJS.Signals) => void;
  stop: () => Promise<void>;
}

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('pnpm-workspace.yaml not found above the conformance package');
    dir = up;
  }
  return dir;
}

/** The file `pnpm build` makes for each implementation (a binary, or the script node runs), from the root. */
const BUILT: Record<Implementation, string> = {
  go: 'go-service/bin/go-service',
  ts: 'apps/ts-service/dist/main.cjs',
  'go-vips': 'go-service/bin/go-service-vips',
};

/** How each implementation starts once built by `pnpm build`. */
export function commandFor(name: Implementation): { command: string; args: string[] } {
  const entry = join(repoRoot(), BUILT[name]);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
  return name === 'ts' ? { command: process.execPath, args: [entry] } : { command: entry, args: [] };
}

/** Starts one implementation with the given contract settings (env-style) and waits for /healthz. */
export async function startService(
  name: Implementation,
  settings: Record<string, string> = {},
): Promise<RunningService> {
  const { command, args } = commandFor(name);
  const port = await freePort();
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...settings, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const output = () => log;
  try {
    await waitHealthy(url, {
      timeoutMs: 20_000,
      gone: () =>
        child.exitCode === null
          ? undefined
          : `service exited with ${child.exitCode} before it was healthy:\n${output()}`,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw child.exitCode === null
      ? new Error(`${(error as Error).message}; its output:\n${output()}`)
      : error;
  }
  return {
    name,
    url,
    pid: child.pid as number,
    exited,
    output,
    signal: (signal) => child.kill(signal),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

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

/** The file `pnpm build` makes for each implementation (a binary, or the script a runtime runs), from the root. */
const BUILT: Record<Implementation, string> = {
  go: 'go-service/bin/go-service',
  ts: 'apps/ts-service/dist/main.cjs',
  'go-vips': 'go-service/bin/go-service-vips',
  'ts-bun': 'apps/ts-service/dist/main-bun.js',
  'ts-deno': 'apps/ts-service/dist/main-deno.js',
};

/**
 * The Bun or Deno binary: the one named by BUN / DENO, else the pinned copy in .tools/bin (scripts/setup.sh; on a
 * clean clone it is only there), else the name, found on PATH.
 */
export function runtimeBinary(name: 'bun' | 'deno'): string {
  const fromEnv = process.env[name.toUpperCase()];
  if (fromEnv) return fromEnv;
  const pinned = join(repoRoot(), '.tools', 'bin', name);
  return existsSync(pinned) ? pinned : name;
}

/**
 * How each implementation starts once built by `pnpm build` (as apps/ts-service/start.sh starts ts-bun and ts-deno,
 * without its malloc settings, like ts here without them): the command, its arguments and the folder it runs in.
 */
export function commandFor(name: Implementation): { command: string; args: string[]; cwd?: string } {
  const entry = join(repoRoot(), BUILT[name]);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
  switch (name) {
    case 'ts':
      return { command: process.execPath, args: [entry] };
    case 'ts-bun':
      // Heads of 16–64 KiB then reach the service, which answers them with the contract's 431.
      return { command: runtimeBinary('bun'), args: ['--max-http-header-size=65536', entry] };
    case 'ts-deno':
      // Deno finds the app's node_modules through the package.json of the folder it runs in.
      return {
        command: runtimeBinary('deno'),
        args: ['run', '-A', 'dist/main-deno.js'],
        cwd: join(repoRoot(), 'apps', 'ts-service'),
      };
    case 'go':
    case 'go-vips':
      return { command: entry, args: [] };
  }
}

/** Starts one implementation with the given contract settings (env-style) and waits for /healthz. */
export async function startService(
  name: Implementation,
  settings: Record<string, string> = {},
): Promise<RunningService> {
  const { command, args, cwd } = commandFor(name);
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'warn', ...settings, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A command that cannot be run at all (a runtime missing from .tools/bin and PATH) fails the start at once.
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const output = () => log;
  try {
    await waitHealthy(url, {
      timeoutMs: 20_000,
      gone: () => {
        if (spawnError) return `${name}: cannot run ${command}: ${spawnError.message}`;
        if (child.exitCode === null) return undefined;
        return `service exited with ${child.exitCode} before it was healthy:\n${output()}`;
      },
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

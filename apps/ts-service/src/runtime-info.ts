// What GET /info reports about the runtime: versions and the parallelism settings in force.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** The version in the package.json above a resolved module (hono does not export its package.json). */
function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export const SERVICE_VERSION = '0.1.0';

/**
 * The JavaScript runtime this process runs on, by its own name and version. Bun and Deno emulate Node's
 * `process.version` (they report the Node version they are compatible with), so they are asked first.
 */
export function runtime(
  global: { Bun?: { version: string }; Deno?: { version: { deno: string } } } = globalThis as object,
): { name: 'node' | 'bun' | 'deno'; version: string } {
  if (global.Bun) return { name: 'bun', version: global.Bun.version };
  if (global.Deno) return { name: 'deno', version: global.Deno.version.deno };
  return { name: 'node', version: process.version };
}

/** The contract's name of this target: the one app on Node (`ts`), Bun (`ts-bun`) or Deno (`ts-deno`). */
export function implementation(name = runtime().name): 'ts' | 'ts-bun' | 'ts-deno' {
  return name === 'node' ? 'ts' : `ts-${name}`;
}

export const LIBRARY_VERSIONS = {
  sharp: sharp.versions.sharp ?? 'unknown',
  libvips: sharp.versions.vips,
  hono: packageVersion('hono'),
  honoNodeServer: packageVersion('@hono/node-server'),
};

/** libuv's threadpool size as libuv reads it (4 when unset or invalid, capped at 1024). */
export function uvThreadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1024) : 4;
}

export function sharpSettings() {
  const cache = sharp.cache();
  return {
    sharpConcurrency: sharp.concurrency(),
    sharpCache: cache.items.max === 0 && cache.memory.max === 0 ? false : cache,
    sharpSimd: sharp.simd(),
  };
}

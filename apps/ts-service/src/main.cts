// Process entry (dist/main.cjs): sizes libuv's threadpool, then runs the ESM service (index.ts) until SIGTERM or
// SIGINT; exits 0 once it has drained, 1 with the reason on stderr when it cannot start. Like go-service's main.
//
// libuv reads UV_THREADPOOL_SIZE once, when its pool starts. Node 20's ESM loader reads module files
// through that pool, so by the time any ESM code runs the size is fixed; this CommonJS file runs first.
// sharp runs every image call on the pool: it needs at least CONCURRENCY threads (libuv's default is 4).

import os = require('node:os');

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const raw = process.env.CONCURRENCY ?? '';
  // Invalid values are reported by the service's config parser; here they only fall back to the CPU count.
  const concurrency = /^[0-9]{1,4}$/.test(raw) && Number(raw) > 0 ? Number(raw) : os.availableParallelism();
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, concurrency)));
}

// The first of these starts the drain; a second signal of the same kind stops the process at once.
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort('SIGTERM'));
process.once('SIGINT', () => stop.abort('SIGINT'));

import('./index.js')
  .then(({ run }) => {
    // pino's stdout writer (loaded here, after the pool is sized), synchronous like Go's os.Stdout: with the
    // asynchronous default a line still being written when the process exits ("draining") could land after the
    // exit's own flush ("stopped"). It costs 1–3 µs per line.
    const { destination } = require('pino') as typeof import('pino');
    return run(process.argv.slice(2), process.env, destination({ dest: 1, sync: true }), stop.signal);
  })
  .then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`ts-service: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );

// Process entry: sizes libuv's threadpool, then loads the ESM service (dist/index.js).
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

void import('./index.js');

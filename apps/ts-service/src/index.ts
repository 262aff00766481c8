// The service process: reads env once, configures sharp, serves the app, drains on SIGTERM/SIGINT.
// Start it through main.cjs, which sizes libuv's threadpool first (see README, "Settings").

import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { DEFAULT_PORTS, parseConfig } from '@rtip/contract';
import sharp from 'sharp';
import { createApp } from './app.js';
import { createDeps } from './deps.js';
import { serveApp } from './http/serve.js';
import { sharpSettings, uvThreadpoolSize } from './runtime-info.js';

const parsed = parseConfig(process.env, { port: DEFAULT_PORTS.ts, cpus: os.availableParallelism() });
if (!parsed.ok) {
  for (const error of parsed.errors) console.error(`ts-service: invalid configuration: ${error}`);
  process.exit(1);
}
const config = parsed.config;

// One libvips thread per image: parallelism comes from CONCURRENCY images at once on libuv's pool, which
// keeps per-request CPU predictable. No operation cache: every input is new, a cache only holds memory.
sharp.concurrency(1);
sharp.cache(false);

const deps = createDeps(config);
const { logger, lifecycle } = deps;
const app = createApp(deps);

const server = serveApp(app, deps, { port: config.port, hostname: config.host }, (info: AddressInfo) => {
  logger.info(
    {
      address: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`,
      port: info.port,
      concurrency: config.concurrency,
      queueDepth: config.queueDepth,
      uvThreadpoolSize: uvThreadpoolSize(),
      ...sharpSettings(),
    },
    'listening',
  );
});
// Answers not yet handed to the OS, which a shutdown must wait for. An early answer's response stays open while its
// connection lingers, so lingering closes are waited for too, each at most until its own bound.
let openResponses = 0;
server.on('request', (_req, res) => {
  openResponses++;
  res.once('close', () => openResponses--);
});

/**
 * Draining (contract README): /readyz turns 503 and new images are refused at once, but the listener stays
 * open while images are in flight or queued, so probes see the 503; then it closes and the process exits 0.
 */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (lifecycle.draining) return;
  lifecycle.draining = true;
  logger.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'draining');
  const exit = (forced: boolean) => {
    logger.info({ forced }, 'stopped');
    process.exit(0);
  };
  const deadline = setTimeout(() => {
    server.closeAllConnections();
    exit(true);
  }, config.shutdownTimeoutMs);
  // Wait for the images, then for every answer to be handed to the OS: closing a connection whose answer is
  // still in Node's buffers would cut it short.
  while (deps.admission.running > 0 || deps.admission.waiting > 0 || openResponses > 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // No new connections; idle keep-alive ones close now (server.close does that since Node 19).
  server.close(() => {
    clearTimeout(deadline);
    exit(false);
  });
}

process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));

// The service as a function: run() reads the configuration, configures sharp, serves the app until its signal
// aborts, drains, and returns, like the Go service's run (go-service/cmd/go-service/main.go). The process entry
// is main.cts (dist/main.cjs): it sizes libuv's threadpool first (see README, "Settings"), turns SIGTERM/SIGINT
// into the signal, and exits with what run() says.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { DEFAULT_PORTS, parseConfig, type ServiceConfig } from '@rtip/contract';
import type { DestinationStream } from 'pino';
import type { Admission } from './admission/admission.js';
import { createApp } from './app.js';
import { type AppDeps, createDeps, createLogger } from './deps.js';
import { serveApp } from './handlers/serve.js';
import { PipelinePool } from './pipeline/pool.js';
import { configureSharp } from './pipeline/settings.js';
import { sharpSettings, uvThreadpoolSize } from './runtime-info.js';

/** An invalid configuration: every invalid variable, one line each (parseConfig's messages). */
export class ConfigError extends Error {
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(`invalid configuration:\n${errors.join('\n')}`);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** The service before it listens: its configuration, sharp's settings, the pipeline's worker pool, the deps. */
export interface Prepared {
  config: ServiceConfig;
  deps: AppDeps;
  /** Not started yet: start it beside the listener, close it after the drain. */
  pool: PipelinePool;
}

/**
 * What every entry does before it listens (run() here, serveOn for Bun and Deno in handlers/server.ts): refuses
 * arguments, reads the configuration (ConfigError naming every invalid variable), configures sharp and builds the
 * dependencies with a pool of CONCURRENCY pipeline workers.
 */
export function prepare(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdout: DestinationStream,
  defaultPort: number,
): Prepared {
  if (args.length > 0) {
    throw new Error(`unexpected arguments ${JSON.stringify(args)}: the configuration is the environment`);
  }
  const parsed = parseConfig(env, { port: defaultPort, cpus: os.availableParallelism() });
  if (!parsed.ok) throw new ConfigError(parsed.errors);
  const config = parsed.config;

  configureSharp(); // one libvips thread per image, no operation cache (pipeline/settings.ts)

  // The images run on CONCURRENCY worker threads (pipeline/pool.ts), started before the first request needs one.
  const pool = new PipelinePool(config.concurrency);
  const deps = createDeps(config, { logger: createLogger(config, stdout), pipeline: pool });
  return { config, deps, pool };
}

/**
 * Runs the service. `args` are the process's arguments after the script (it takes none), `env` its environment
 * (the contract's variables), `stdout` where the JSON log lines go.
 *
 * Rejects before serving with a ConfigError naming every invalid variable, or when the address cannot be listened
 * on. Otherwise serves until `signal` aborts (a string reason such as 'SIGTERM' is logged as `signal`), then drains
 * (contract README): /readyz answers 503 and new images are refused while the listener stays open; once the
 * images in flight or queued are done and every answer has been handed to the OS, the listener closes, and run
 * resolves when the last connection has ended, or at SHUTDOWN_TIMEOUT_MS with the rest cut. Without a signal it
 * serves until the process ends.
 */
export async function run(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdout: DestinationStream,
  signal?: AbortSignal,
): Promise<void> {
  const { config, deps, pool } = prepare(args, env, stdout, DEFAULT_PORTS.ts);
  const { logger, lifecycle } = deps;
  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    [listening] = await Promise.all([listen(deps), pool.start()]);
  } catch (err) {
    await pool.close();
    throw err;
  }
  const { server, info, responses } = listening;
  logger.info(
    {
      address: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`,
      port: info.port,
      concurrency: config.concurrency,
      queueDepth: config.queueDepth,
      uvThreadpoolSize: uvThreadpoolSize(), // this process's pool (process.env, as main.cts sized it)
      pipelineWorkers: pool.workers,
      ...sharpSettings(),
    },
    'listening',
  );

  const reason = await new Promise<unknown>((resolve, reject) => {
    server.on('error', (err) => {
      server.close();
      server.closeAllConnections();
      reject(new Error(`serve: ${err.message}`, { cause: err }));
    });
    if (signal?.aborted) resolve(signal.reason);
    else signal?.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

  lifecycle.draining = true;
  logger.info(
    { ...(typeof reason === 'string' && { signal: reason }), shutdownTimeoutMs: config.shutdownTimeoutMs },
    'draining',
  );
  const forced = await drain(server, deps.admission, responses, config.shutdownTimeoutMs);
  await pool.close();
  logger.info({ forced }, 'stopped');
}

/** The app on its server, once listening; `listen on HOST:PORT: …` when it cannot be. */
function listen(deps: AppDeps): Promise<{ server: Server; info: AddressInfo; responses: OpenResponses }> {
  const { host, port } = deps.config;
  return new Promise((resolve, reject) => {
    const failed = (err: Error) =>
      reject(new Error(`listen on ${host}:${port}: ${err.message}`, { cause: err }));
    const server = serveApp(createApp(deps), deps, { port, hostname: host }, (info) => {
      server.off('error', failed);
      resolve({ server, info, responses });
    });
    // Both before any connection can come: listening is asynchronous.
    const responses = openResponses(server);
    server.once('error', failed);
  });
}

/**
 * The answers not yet handed to the OS, which a drain must wait for. An early answer's response stays open while
 * its connection lingers, so lingering closes are waited for too, each at most until its own bound.
 */
interface OpenResponses {
  readonly open: number;
  /** Resolves once no response is open (at once if none is). */
  idle(): Promise<void>;
}

function openResponses(server: Server): OpenResponses {
  let open = 0;
  const waiting: Array<() => void> = [];
  server.on('request', (_req, res) => {
    open++;
    res.once('close', () => {
      open--;
      if (open === 0) for (const wake of waiting.splice(0)) wake();
    });
  });
  return {
    get open() {
      return open;
    },
    idle: () => (open === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
  };
}

/**
 * Waits for the images (running or queued), then for every open answer, then closes the listener and waits for
 * the last connection to end (server.close also closes idle keep-alive connections; every answer given while
 * draining carries `Connection: close`). At `timeoutMs` the connections still open are cut. Returns whether they
 * had to be.
 */
async function drain(
  server: Server,
  admission: Admission,
  responses: OpenResponses,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const drained = (async () => {
    // Closing a connection whose answer is still in Node's buffers would cut it short: images first, then
    // answers, and again if an image was admitted meanwhile (its body was being read when draining began).
    while (admission.running > 0 || admission.waiting > 0 || responses.open > 0) {
      await Promise.all([admission.idle(), responses.idle()]);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return false;
  })();
  const forced = await Promise.race([drained, deadline]);
  clearTimeout(timer);
  if (forced) {
    server.close();
    server.closeAllConnections();
  }
  return forced;
}

// Test helpers: apps built from vector configs, requests built from vectors, fixtures.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, readFixture, type ServiceConfig, type Vector } from '@rtip/contract';
import { pino } from 'pino';
import { createApp } from '../app.js';
import { type AppDeps, createDeps } from '../deps.js';
import { SERVER_TIMINGS, type ServerTimings, serveApp } from '../handlers/serve.js';

export const silentLogger = pino({ level: 'silent' });

/** A logger that keeps every line it writes, parsed, for tests that check the log. */
export function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export const fixture = readFixture;

export function testConfig(env: Record<string, string> = {}): ServiceConfig {
  const parsed = parseConfig(env, { port: 0, cpus: 2 });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

export function testDeps(env: Record<string, string> = {}, overrides: Partial<AppDeps> = {}): AppDeps {
  return createDeps(testConfig(env), { logger: silentLogger, processMetrics: false, ...overrides });
}

export function testApp(env: Record<string, string> = {}, overrides: Partial<AppDeps> = {}) {
  const deps = testDeps(env, overrides);
  return { app: createApp(deps), deps };
}

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  server: Server;
  close: () => Promise<void>;
}

/**
 * The app on a real HTTP server (the process's edge: parser refusals, early answers, 100-continue), on an ephemeral
 * port; `timings` shortens the server's header and keep-alive timeouts for tests.
 */
export function startServer(
  env: Record<string, string> = {},
  overrides: Partial<AppDeps> = {},
  timings: Partial<ServerTimings> = {},
): Promise<RunningServer> {
  const deps = testDeps(env, overrides);
  return new Promise((resolve) => {
    const server = serveApp(
      createApp(deps),
      deps,
      { port: 0, hostname: '127.0.0.1' },
      (info: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          port: info.port,
          deps,
          server,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        }),
      { ...SERVER_TIMINGS, ...timings },
    );
  });
}

/** The request a vector describes, for app.request() (path with query, and init). */
export function vectorRequest(vector: Vector): { url: string; init: RequestInit } {
  const { request } = vector;
  const url = `http://localhost${request.path}${request.query ? `?${request.query}` : ''}`;
  const init: RequestInit = { method: request.method };
  if (request.body === 'none') return { url, init };
  const bytes = vector.fixture ? fixture(vector.fixture) : Buffer.alloc(0);
  if (request.body === 'multipart') {
    const form = new FormData();
    for (let i = 0; i < request.parts; i++) {
      form.append(request.partName, new Blob([new Uint8Array(bytes)]), vector.fixture ?? 'image');
    }
    init.body = form;
  } else {
    init.body = new Uint8Array(bytes);
    if (request.contentType !== null) init.headers = { 'Content-Type': request.contentType };
  }
  return { url, init };
}

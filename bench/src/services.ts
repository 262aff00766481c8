// Starting and stopping the services under test: natively (pinned with taskset), through docker compose, or an
// external URL. Each start measures the time to the first 200 of /healthz and of POST /process.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS, type Implementation } from '@rtip/contract';
import { freePort } from '@rtip/testkit';
import { $ } from 'zx';
import { onCleanup, track, untrack } from './cleanup.js';
import { multipartBody, processUrl, REPO_DIR, type Scenario } from './scenario.js';
import { RECIPES, type TargetSpec } from './targets.js';

export interface Startup {
  /** ms from spawn to the first 200 of GET /healthz */
  healthzMs: number;
  /** ms from spawn to the first 200 of POST /process with the benchmark request */
  firstProcessMs: number;
}

export interface Running {
  spec: TargetSpec;
  /** URL from this machine (pre-flight, probes). */
  url: string;
  /** URL as the load generator reaches it (differs inside compose's network). */
  loadUrl: string;
  /** Root of the server's process tree, for /proc sampling; undefined for external targets. */
  pid: number | undefined;
  startup: Startup | undefined;
  /** Environment the harness set for the server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  scenario: Scenario;
  /** CPU list for the server (taskset -c). */
  cpus: string;
  /** Number of server CPUs: CONCURRENCY for every service. */
  concurrency: number;
  logDir: string;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One benchmark request; returns the answer (status, headers, body). */
export interface ProcessAnswer {
  status: number;
  headers: globalThis.Headers;
  body: Buffer;
}

export async function processOnce(
  url: string,
  s: Scenario,
  image: Buffer,
  timeoutMs = 10_000,
): Promise<ProcessAnswer> {
  const mp = multipartBody(image, path.basename(s.imagePath));
  const res = await fetch(processUrl(url, s), {
    method: 'POST',
    headers: { 'content-type': mp.contentType },
    body: mp.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Polls until the service answers /healthz and then the benchmark request with 200. */
export async function waitReady(
  url: string,
  s: Scenario,
  image: Buffer,
  t0: number,
  timeoutMs: number,
  alive: () => boolean,
): Promise<Startup> {
  let healthzMs = Number.NaN;
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    if (!alive()) throw new Error(`service at ${url} exited during start-up`);
    try {
      if (Number.isNaN(healthzMs)) {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) healthzMs = Date.now() - t0;
        else last = `healthz ${r.status}`;
      }
      if (!Number.isNaN(healthzMs)) {
        const r = await processOnce(url, s, image, 5000);
        if (r.status === 200) return { healthzMs, firstProcessMs: Date.now() - t0 };
        last = `POST /process ${r.status}`;
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(5);
  }
  throw new Error(`service at ${url} not ready after ${timeoutMs} ms (${last})`);
}

async function stopPid(pid: number, child: { exitCode: number | null; signalCode: string | null }) {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && !exited(); i++) await sleep(50);
  if (!exited()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  untrack(pid);
}

/** The env every native service gets: the same contract settings, and its own shipped extras. */
export function nativeEnv(kind: Implementation, port: number, concurrency: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    CONCURRENCY: String(concurrency),
    // The threads that run image work, in step with CONCURRENCY, as docker-compose.yml sets them.
    GOMAXPROCS: String(concurrency),
    UV_THREADPOOL_SIZE: String(concurrency),
    // No per-request log lines: log I/O would be measured as service work.
    LOG_LEVEL: 'warn',
    ...RECIPES[kind].env,
  };
}

/** Starts an implementation as a child process pinned to `cpus`, on its default port when free. */
export async function startNative(spec: TargetSpec, o: StartOptions, image: Buffer): Promise<Running> {
  const kind = spec.kind as Implementation;
  const port = await freePort(DEFAULT_PORTS[kind]);
  const env = nativeEnv(kind, port, o.concurrency);
  mkdirSync(o.logDir, { recursive: true });
  const logFile = path.join(o.logDir, `${spec.name}.log`);
  const logFd = openSync(logFile, 'a');
  const t0 = Date.now();
  const child = spawn('taskset', ['-c', o.cpus, ...RECIPES[kind].command], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${spec.name}`);
  track(pid, spec.name);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopPid(pid, child);
  try {
    const alive = () => child.exitCode === null;
    const startup = await waitReady(url, o.scenario, image, t0, o.timeoutMs ?? 60_000, alive);
    return { spec, url, loadUrl: url, pid, startup, env, stop };
  } catch (e) {
    await stop();
    throw new Error(`${spec.name}: ${(e as Error).message} (log: ${logFile})`);
  }
}

export async function startExternal(spec: TargetSpec, o: StartOptions, image: Buffer): Promise<Running> {
  const url = (spec.url ?? '').replace(/\/$/, '');
  await waitReady(url, o.scenario, image, Date.now(), o.timeoutMs ?? 10_000, () => true);
  return { spec, url, loadUrl: url, pid: undefined, startup: undefined, env: {}, stop: async () => {} };
}

export async function dockerEngineAnswers(): Promise<boolean> {
  const r = await $({ quiet: true, nothrow: true, timeout: '5s' })`docker info --format {{.ServerVersion}}`;
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/** The knobs docker-compose.yml reads, set like native mode's pinning so both modes compare alike. */
export function composeEnv(
  o: Pick<StartOptions, 'cpus' | 'concurrency'>,
  loadCpus?: string,
): Record<string, string> {
  return {
    SERVICE_CPUSET: o.cpus,
    SERVICE_CPUS: String(o.concurrency),
    CONCURRENCY: String(o.concurrency),
    ...(loadCpus ? { LOADGEN_CPUSET: loadCpus } : {}),
  };
}

/** docker mode: the implementation's compose service, on its default port, sampled through its host pid. */
export async function startCompose(
  spec: TargetSpec,
  o: StartOptions,
  image: Buffer,
  composeFile: string,
): Promise<Running> {
  const kind = spec.kind as Implementation;
  const svc = RECIPES[kind].composeService;
  const port = DEFAULT_PORTS[kind];
  const dc = ['docker', 'compose', '-f', composeFile];
  const env = composeEnv(o);
  const $dc = $({ quiet: true, env: { ...process.env, ...env } });
  const t0 = Date.now();
  await $dc`${dc} up -d --force-recreate --no-deps ${svc}`;
  const stop = async () => {
    await $({ quiet: true, nothrow: true, env: { ...process.env, ...env } })`${dc} stop ${svc}`;
  };
  onCleanup(stop);
  const url = `http://127.0.0.1:${port}`;
  const startup = await waitReady(url, o.scenario, image, t0, o.timeoutMs ?? 120_000, () => true);
  const id = (await $({ quiet: true })`${dc} ps -q ${svc}`).stdout.trim();
  const pidTxt = (
    await $({ quiet: true, nothrow: true })`docker inspect --format {{.State.Pid}} ${id}`
  ).stdout.trim();
  const pid = Number(pidTxt) > 0 ? Number(pidTxt) : undefined;
  return { spec, url, loadUrl: `http://${svc}:${port}`, pid, startup, env, stop };
}

export async function fetchInfo(url: string): Promise<Record<string, unknown>> {
  try {
    const r = await fetch(`${url}/info`, { signal: AbortSignal.timeout(3000) });
    return r.ok ? ((await r.json()) as Record<string, unknown>) : { error: `GET /info: ${r.status}` };
  } catch (e) {
    return { error: `GET /info: ${(e as Error).message}` };
  }
}

// Service benchmark: the built service pinned to one core, open-loop load at fixed rates from this process
// (on another core), photo-hd.jpg as multipart with the default options (grayscale JPEG).
// Reports per rate: achieved rate, latency percentiles, errors; the service's peak RSS (VmHWM) and event-loop
// delay p99 (its own /metrics); and the codec floor's images/s on the same core for comparison.
// `pnpm bench:service` (BENCH_SERVER_CPU, BENCH_CLIENT_CPU, BENCH_RATES="20,30,40", BENCH_SECONDS).

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from '@rtip/contract';

const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '1';
const RATES = (process.env.BENCH_RATES ?? '20,30,40,50,60').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SLO_MS = Number(process.env.BENCH_SLO_MS ?? 500);
const IMAGE = process.env.BENCH_IMAGE ?? 'photo-hd.jpg';
const ENTRY = fileURLToPath(new URL('../main.cjs', import.meta.url));

const image = readFileSync(join(FIXTURES_DIR, IMAGE));
const boundary = 'rtip-bench-boundary';
const body = Buffer.concat([
  Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${IMAGE}"\r\nContent-Type: image/jpeg\r\n\r\n`,
  ),
  image,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);

// LOG_LEVEL info: one access-log line per request, as in production.
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' };
const PASSED = ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'UV_THREADPOOL_SIZE'];
for (const name of [...PASSED, 'CONCURRENCY', 'QUEUE_DEPTH']) {
  if (process.env[name] !== undefined) env[name] = process.env[name];
}
// The start script's glibc malloc defaults (package.json, README "Settings"); an empty value leaves one unset.
env.MALLOC_ARENA_MAX ??= '2';
env.MALLOC_MMAP_THRESHOLD_ ??= '33554432';
env.MALLOC_TRIM_THRESHOLD_ ??= '67108864';
for (const name of PASSED) if (env[name] === '') delete env[name];

const server = spawn('taskset', ['-c', SERVER_CPU, process.execPath, ENTRY], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

const port = await new Promise<number>((resolve, reject) => {
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    for (const line of buffered.split('\n')) {
      if (line.includes('"listening"')) {
        server.stdout?.off('data', onData);
        server.stdout?.resume(); // keep draining the access log
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    }
  };
  server.stdout?.on('data', onData);
  server.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
});
// taskset execs the command, so the child's pid is the service's.
const serverPid = server.pid as number;

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function post(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/process',
        method: 'POST',
        agent,
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

async function get(path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.text();
}

/** Fires requests at `rate`/s for `seconds`, on schedule whatever the answers (open loop). */
async function openLoop(rate: number, seconds: number) {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const pending: Promise<{ status: number; ms: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(post());
  }
  const results = await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const ok = results
    .filter((r) => r.status === 200)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    ok.length ? (ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] as number) : Number.NaN;
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    rate,
    sent: total,
    achieved: ok.length / elapsed,
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: pct(1),
    statuses,
  };
}

const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
const peakRssMb = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'))?.[1] ?? Number.NaN) /
  1024;

/** Floor on the same core: djpeg -grayscale | cjpeg per image, process start-up included; wall and CPU ms. */
function floorMs(n = 30): { wall: number; cpu: number } {
  const file = join(FIXTURES_DIR, IMAGE);
  const t = performance.now();
  const run = spawnSync('taskset', [
    '-c',
    SERVER_CPU,
    '/usr/bin/time',
    '-f',
    '%U %S',
    'sh',
    '-c',
    `i=0; while [ $i -lt ${n} ]; do djpeg -grayscale ${file} | cjpeg -quality 80 > /dev/null; i=$((i+1)); done`,
  ]);
  const [user, system] = (run.stderr.toString().trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return {
    wall: (performance.now() - t) / n,
    cpu: (((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000) / n,
  };
}

const info = JSON.parse(await get('/info')) as { concurrency: Record<string, unknown> };
console.log(`# service benchmark ${new Date().toISOString()}`);
console.log(
  `image ${IMAGE} (multipart, default options), service on CPU ${SERVER_CPU}, ${SECONDS} s per rate, SLO p99 ${SLO_MS} ms`,
);
console.log(
  `settings ${JSON.stringify(info.concurrency)}, malloc ${JSON.stringify({ mmapThreshold: env.MALLOC_MMAP_THRESHOLD_ ?? null, trimThreshold: env.MALLOC_TRIM_THRESHOLD_ ?? null })}`,
);
for (let i = 0; i < 30; i++) await post(); // warm-up
console.log('');
console.log(
  '| offered/s | achieved/s | p50 ms | p90 ms | p99 ms | max ms | statuses | service CPU ms/request | event-loop p99 ms | floor ms wall / CPU (same core) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
let capacity = 0;
const cpuPerRequest: number[] = [];
const floorCpu: number[] = [];
for (const rate of RATES) {
  const cpuBefore = metric(await get('/metrics'), 'process_cpu_seconds_total'); // also resets the loop histogram
  const r = await openLoop(rate, SECONDS);
  const after = await get('/metrics');
  const loopP99 = metric(after, 'nodejs_eventloop_lag_p99_seconds') * 1000;
  const cpu = ((metric(after, 'process_cpu_seconds_total') - cpuBefore) * 1000) / r.sent;
  const floor = floorMs();
  cpuPerRequest.push(cpu);
  floorCpu.push(floor.cpu);
  const clean = (r.statuses['200'] ?? 0) === r.sent && r.p99 <= SLO_MS;
  if (clean) capacity = rate;
  console.log(
    `| ${rate} | ${r.achieved.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${JSON.stringify(r.statuses)} | ${cpu.toFixed(1)} | ${loopP99.toFixed(1)} | ${floor.wall.toFixed(1)} / ${floor.cpu.toFixed(1)} |`,
  );
  if (!clean) break;
}
console.log('');
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const serviceCapacity = 1000 / med(cpuPerRequest);
const floorCapacity = 1000 / med(floorCpu);
console.log(
  `measured capacity (highest offered rate with all 200 and p99 ≤ ${SLO_MS} ms, on a shared core): ${capacity}/s`,
);
console.log(
  `CPU-bound capacity of one core: service ${serviceCapacity.toFixed(1)} images/s (${med(cpuPerRequest).toFixed(1)} CPU ms per request, HTTP and multipart included) vs floor ${floorCapacity.toFixed(1)} images/s → ${(serviceCapacity / floorCapacity).toFixed(2)}× floor`,
);
console.log(`peak RSS (VmHWM) of the service: ${peakRssMb().toFixed(0)} MB`);
agent.destroy();
stop();
process.exit(0);

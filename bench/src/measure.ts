// Measuring one server: an open-loop phase with its resources, the closed-loop warm-up, and the record of what
// the server was doing when (the phase bands of the over-time charts).

import type { Options } from './cli.js';
import type { Driver } from './drivers/types.js';
import { resourcesBetween, Sampler, systemBusySeconds } from './proc.js';
import type { Progress } from './progress.js';
import type { BandKind, Marker, PhaseRecord, Session } from './results.js';
import { type PhasePreset, SCENARIOS, type Scenario } from './scenario.js';
import { processOnce, type Running } from './services.js';
import { analyzePhase, median } from './stats.js';
import type { TargetSpec } from './targets.js';

/** What every stage of a run needs: settings, the request, the driver and how to start a target. */
export interface Bench {
  opts: Options;
  preset: PhasePreset;
  scenario: Scenario;
  image: Buffer;
  driver: Driver;
  progress: Progress;
  /** Server CPUs = CONCURRENCY. */
  concurrency: number;
  /** taskset list of the load generator in native mode. */
  loadCpus: string | undefined;
  rawDir: string;
  start(t: TargetSpec): Promise<Running>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One life of a server process: its resource sampler and the phases it went through. */
export class Life {
  readonly t0 = Date.now();
  readonly markers: Marker[] = [];
  readonly sampler: Sampler | undefined;

  constructor(readonly running: Running) {
    this.sampler = running.pid ? new Sampler(running.pid).start() : undefined;
  }

  get name(): string {
    return this.running.spec.name;
  }

  #now(): number {
    return (Date.now() - this.t0) / 1000;
  }

  /** Runs `fn` as a phase of this life, so the charts can band it. */
  async phase<T>(kind: BandKind, label: string, fn: () => Promise<T>): Promise<T> {
    const t = this.#now();
    try {
      return await fn();
    } finally {
      this.markers.push({ t, end: this.#now(), kind, label });
    }
  }

  /** Stops sampling; CPU % between consecutive samples, memory as sampled. */
  session(label: string): Session {
    const pts = this.sampler?.stop() ?? [];
    const points: Session['points'] = [];
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1];
      const b = pts[i];
      if (!a || !b || b.at - a.at < 50) continue;
      points.push({
        t: (b.at - this.t0) / 1000,
        cpuPct: (100 * (b.cpuS - a.cpuS)) / ((b.at - a.at) / 1000),
        rssMiB: b.rssMiB,
        pssMiB: b.pssMiB,
      });
    }
    return { label, points, markers: this.markers };
  }
}

/** One open-loop phase at `rate` for `durationS`: the driver's samples, analysed, with the server's resources. */
export async function measure(
  b: Bench,
  life: Life,
  rate: number,
  durationS: number,
  label: string,
): Promise<PhaseRecord> {
  const { sampler, running } = life;
  sampler?.sample();
  const busy0 = systemBusySeconds();
  const from = Date.now();
  const run = await b.driver.run({
    target: running.spec.name,
    url: running.loadUrl,
    scenario: b.scenario,
    rate,
    durationS,
    timeoutS: SCENARIOS.requestTimeoutS,
    sloP99Ms: b.opts.sloP99Ms,
    label,
    rawDir: b.rawDir,
    ...(b.loadCpus ? { cpus: b.loadCpus } : {}),
  });
  const to = Date.now();
  const busy = systemBusySeconds() - busy0;
  sampler?.sample();
  const stats = analyzePhase({
    offeredRate: rate,
    durationS,
    samples: run.samples,
    ...(run.dropped !== undefined ? { dropped: run.dropped } : {}),
  });
  const res = sampler
    ? resourcesBetween(sampler.points, from, to)
    : { cpuS: Number.NaN, cpuPct: Number.NaN, peakRssMiB: Number.NaN, peakPssMiB: Number.NaN };
  const serverCpuS = Number.isFinite(res.cpuS) ? res.cpuS : 0;
  return {
    stats,
    resources: {
      serverCpuS: res.cpuS,
      cpuMsPerOk: stats.ok > 0 ? (1000 * res.cpuS) / stats.ok : Number.NaN,
      cpuPct: res.cpuPct,
      peakRssMiB: res.peakRssMiB,
      peakPssMiB: res.peakPssMiB,
      generatorCpuPct: (100 * run.generatorCpuS) / run.wallS,
      // Whatever else ran on the machine (this orchestrator included) shows here, so a busy machine is visible.
      otherCpuPct: (100 * (busy - run.generatorCpuS - serverCpuS)) / ((to - from) / 1000),
    },
    driverReport: run.report,
  };
}

export interface Warmup {
  requests: number;
  /** Requests kept in flight: CONCURRENCY + 1, so the service is never idle between answers. */
  inFlight: number;
  medianMs: number;
  /** The closed loop's throughput (in flight ÷ median latency, warm half): where the capacity search aims. */
  reqPerS: number;
}

/**
 * Closed loop with CONCURRENCY + 1 requests in flight: warms caches and JITs and measures the throughput the
 * service reaches when it is never idle. One request in flight would hide a service that overlaps parsing with
 * image work (ts's event loop beside libuv's pool) and aim the capacity search far too low.
 */
export async function warmup(b: Bench, life: Life): Promise<Warmup> {
  const seconds = b.preset.warmupS;
  const inFlight = b.concurrency + 1;
  b.progress.phase(life.name, `warm-up (closed loop, ${inFlight} in flight)`, undefined, seconds);
  const t0 = performance.now();
  const done = await life.phase('warm-up', 'warm-up', async () => {
    const out: Array<{ end: number; ms: number }> = [];
    const until = t0 + seconds * 1000;
    const worker = async () => {
      while (performance.now() < until || out.length < 3) {
        const t = performance.now();
        const a = await processOnce(life.running.url, b.scenario, b.image);
        if (a.status !== 200) throw new Error(`${life.name}: warm-up request answered ${a.status}`);
        out.push({ end: performance.now(), ms: performance.now() - t });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return out;
  });
  const w = {
    requests: done.length,
    inFlight,
    medianMs: median(done.map((d) => d.ms)),
    reqPerS: warmThroughput(done, inFlight),
  };
  b.progress.end(
    `${w.requests} requests, ${w.reqPerS.toFixed(1)} answers/s, median ${w.medianMs.toFixed(1)} ms (closed loop)`,
  );
  return w;
}

/**
 * The warm service's throughput by Little's law, requests in flight ÷ latency, with the median latency of the
 * later half of the answers: the first answers of a fresh process are slow (cold caches, JIT), and a median, unlike
 * a count of answers per second, is not thrown by one stalled request on a busy machine.
 */
export function warmThroughput(done: ReadonlyArray<{ end: number; ms: number }>, inFlight: number): number {
  const later = [...done].sort((a, b) => a.end - b.end).slice(Math.floor(done.length / 2));
  return (1000 * inFlight) / median(later.map((d) => d.ms));
}

/**
 * Starts a target, runs `fn` on it and always stops it; the life's session (samples and bands) is kept whether
 * `fn` succeeded or not.
 */
export async function withLife<T>(
  b: Bench,
  t: TargetSpec,
  label: string,
  fn: (life: Life) => Promise<T>,
): Promise<{
  value: T;
  session: Session;
  startup: Running['startup'];
  url: string;
  /** RSS right after start-up (the life's first sample) and at its end, MiB; NaN when not sampled. */
  rssMiB: { idle: number; end: number };
}> {
  b.progress.phase(t.name, `${label}: start-up`, undefined, 0);
  const running = await b.start(t);
  const s = running.startup;
  b.progress.end(
    s ? `first 200: healthz ${s.healthzMs} ms, POST /process ${s.firstProcessMs} ms` : 'external',
  );
  const life = new Life(running);
  try {
    const idle = life.sampler?.points[0]?.rssMiB ?? Number.NaN;
    const value = await fn(life);
    const end = life.sampler?.sample().rssMiB ?? Number.NaN;
    return {
      value,
      session: life.session(label),
      startup: running.startup,
      url: running.url,
      rssMiB: { idle, end },
    };
  } finally {
    life.sampler?.stop();
    await running.stop();
  }
}

// The benchmark itself: pre-flight, then per target start-up, warm-up and capacity search, then trials of
// the fixed-rate, overload and recovery phases. Returns everything results.json holds.

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import type { Options } from './cli.js';
import { cpuList } from './cli.js';
import { composeK6, K6Driver } from './drivers/k6.js';
import type { Driver, LoadRun } from './drivers/types.js';
import { VegetaDriver } from './drivers/vegeta.js';
import { collectEnvironment } from './environment.js';
import { checkAnswers, describePreflight } from './preflight.js';
import { resourcesBetween, Sampler, systemBusySeconds } from './proc.js';
import type { Progress } from './progress.js';
import {
  type PhaseKind,
  type PhaseRecord,
  RESULTS_SCHEMA,
  RESULTS_VERSION,
  type Results,
  type Session,
  SUMMARY_KEYS,
  type SummaryKey,
  type TargetResult,
  type TrialPhase,
} from './results.js';
import { scenario as makeScenario, REPO_DIR, SCENARIOS, type Scenario } from './scenario.js';
import { analyzePhase, judge, median, recoverySeconds, searchCapacity, spread } from './stats.js';
import {
  buildNative,
  composeEnv,
  dockerEngineAnswers,
  fetchInfo,
  processOnce,
  type Running,
  type StartOptions,
  startCompose,
  startExternal,
  startNative,
  type TargetSpec,
} from './targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const RULES = [
  'Open-loop load: requests are sent on the arrival schedule whatever the answers; latency includes queueing.',
  'Closed-loop figures (the warm-up) are labelled as such and are not benchmark figures.',
  'Failed, shed (503) and timed-out requests stay in every figure; requests the generator could not send are counted as dropped.',
  'Capacity: the highest whole arrival rate (req/s) whose step had no errors, no drops and p99 (all requests) within the SLO; in the full preset a failing step is re-run once and fails only if it fails again.',
  'Fixed-rate phases: every target gets the same offered loads, fractions of the SLOWEST target’s capacity.',
  'Overload: 150% (overloadFactor) of EACH target’s own capacity, so the offered loads differ there on purpose; figures are shed rate, accepted-request p99 and recovery time.',
  'Recovery: right after the overload, load drops to 50% of the target’s own capacity; recovery time is the start of the first one-second window from which all later windows are error-free with p99 within the SLO.',
  'All targets run on the same CPU set, one at a time, with the same image, options and CONCURRENCY; the load generator runs on other CPUs.',
  'Percentiles are nearest-rank over every request of the phase; across trials the report gives the median and min–max.',
];

function detectK6(): Promise<boolean> {
  return $({ quiet: true, nothrow: true })`k6 version`.then(
    (r) => r.exitCode === 0,
    () => false,
  );
}

export async function runBenchmark(opts: Options, progress: Progress, command: string): Promise<Results> {
  const createdAt = new Date().toISOString();
  const notes: string[] = [];
  const composeFile = path.join(REPO_DIR, 'docker-compose.yml');

  // ---- mode and driver ----------------------------------------------------------------------------------
  let mode: 'native' | 'docker';
  if (opts.mode === 'auto') {
    mode = existsSync(composeFile) && (await dockerEngineAnswers()) ? 'docker' : 'native';
    progress.info(
      `mode: ${mode} (${mode === 'native' ? 'no Docker engine answers' : 'Docker engine found'})`,
    );
  } else mode = opts.mode;
  if (mode === 'docker' && !(await dockerEngineAnswers()))
    throw new Error('--mode docker: no Docker engine answers');
  let driverName: 'k6' | 'vegeta';
  if (opts.driver === 'auto') driverName = mode === 'docker' || (await detectK6()) ? 'k6' : 'vegeta';
  else driverName = opts.driver;
  if (driverName === 'k6' && mode === 'native' && !(await detectK6())) {
    throw new Error('--driver k6: no k6 binary on PATH (use --driver vegeta, or docker mode)');
  }
  const compose = mode === 'docker' ? composeK6(composeFile) : undefined;
  const concurrency = cpuList(opts.serverCpus).length;
  const driver: Driver =
    driverName === 'k6'
      ? new K6Driver(mode, compose, composeEnv({ cpus: opts.serverCpus, concurrency }, opts.loadCpus))
      : new VegetaDriver();
  const driverVersion = await driver.version();
  progress.info(`driver: ${driverVersion} (open loop)`);

  // In native mode this orchestrator (and so its samplers and the closed-loop warm-up) shares the load CPUs.
  const loadCpus = mode === 'native' ? opts.loadCpus : undefined;
  if (loadCpus) await $({ quiet: true, nothrow: true })`taskset -pc ${loadCpus} ${process.pid}`;

  const sc = makeScenario(opts.image, opts.op);
  const image = readFileSync(sc.imagePath);
  const environment = await collectEnvironment(
    {
      serverCpus: mode === 'native' ? opts.serverCpus : 'compose cpuset/cpus limits',
      loadCpus: mode === 'native' ? opts.loadCpus : 'k6 container',
      note:
        mode === 'native'
          ? `servers pinned with taskset -c ${opts.serverCpus}, load generator and orchestrator with taskset -c ${opts.loadCpus}`
          : 'limits from docker-compose.yml',
    },
    driverVersion,
  );

  // ---- build ----------------------------------------------------------------------------------------------
  const kinds = opts.targets.map((t) => t.kind);
  if (mode === 'native' && !opts.noBuild) {
    const t0 = Date.now();
    progress.info('building the services…');
    await buildNative(kinds, (s) => progress.info(`  ${s}`));
    progress.info(`  built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const startOpts: StartOptions = {
    scenario: sc,
    cpus: opts.serverCpus,
    concurrency,
    logDir: path.join(opts.out, 'logs'),
  };
  const start = (t: TargetSpec): Promise<Running> =>
    t.kind === 'external'
      ? startExternal(t, startOpts, image)
      : mode === 'docker'
        ? startCompose(t, startOpts, image, composeFile)
        : startNative(t, startOpts, image);

  // ---- pre-flight -----------------------------------------------------------------------------------------
  progress.info('pre-flight: one benchmark request per target, answers compared…');
  const answers = [];
  const infos = new Map<string, Record<string, unknown>>();
  const envs = new Map<string, Record<string, string>>();
  for (const t of opts.targets) {
    const r = await start(t);
    try {
      const a = await processOnce(r.url, sc, image);
      answers.push({
        name: t.name,
        answer: {
          status: a.status,
          contentType: a.headers.get('content-type') ?? '',
          headers: {
            width: Number(a.headers.get('x-image-width')),
            height: Number(a.headers.get('x-image-height')),
          },
          body: a.body,
        },
      });
      infos.set(t.name, await fetchInfo(r.url));
      envs.set(t.name, r.env);
    } finally {
      await r.stop();
    }
  }
  const preflight = await checkAnswers(sc, answers);
  progress.info(describePreflight(preflight));
  if (!preflight.pass) {
    throw new PreflightError(
      `pre-flight failed: the targets do not give the expected, equivalent answer to the benchmark request\n${describePreflight(preflight)}`,
    );
  }

  const p = opts.preset;
  const timeoutS = SCENARIOS.requestTimeoutS;
  const rawDir = path.join(opts.out, 'raw');
  const perTarget = new Map<string, TargetResult>();
  const planS = (stage: 1 | 2) =>
    stage === 1
      ? opts.targets.length * (p.warmupS + 7 * (p.stepS + p.settleS + 0.5) + 1)
      : opts.trials *
        opts.targets.length *
        (p.warmupS +
          2 +
          p.fixedFractions.length * (opts.durationS + p.settleS + 0.5) +
          opts.durationS +
          p.recoveryS +
          1);
  progress.replan(planS(1) + planS(2));

  const measure = async (
    r: Running,
    sampler: Sampler | undefined,
    rate: number,
    durationS: number,
    label: string,
  ): Promise<{ record: PhaseRecord; run: LoadRun }> => {
    sampler?.sample();
    const busy0 = systemBusySeconds();
    const from = Date.now();
    const run = await driver.run({
      target: r.spec.name,
      url: r.loadUrl,
      scenario: sc,
      rate,
      durationS,
      timeoutS,
      sloP99Ms: opts.sloP99Ms,
      label,
      rawDir,
      ...(loadCpus ? { cpus: loadCpus } : {}),
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
    return {
      run,
      record: {
        stats,
        resources: {
          serverCpuS: res.cpuS,
          cpuMsPerOk: stats.ok > 0 ? (1000 * res.cpuS) / stats.ok : Number.NaN,
          cpuPct: res.cpuPct,
          peakRssMiB: res.peakRssMiB,
          peakPssMiB: res.peakPssMiB,
          generatorCpuPct: (100 * run.generatorCpuS) / run.wallS,
          otherCpuPct:
            (100 * (busy - run.generatorCpuS - (Number.isFinite(res.cpuS) ? res.cpuS : 0))) /
            ((to - from) / 1000),
        },
        driverReport: run.report,
      },
    };
  };

  /** Closed loop, one request in flight: warms caches and JITs, and estimates the service time. */
  const warmup = async (r: Running) => {
    progress.phase(r.spec.name, 'warm-up (closed loop)', undefined, p.warmupS);
    const lat: number[] = [];
    const until = Date.now() + p.warmupS * 1000;
    while (Date.now() < until || lat.length < 3) {
      const t0 = performance.now();
      const a = await processOnce(r.url, sc, image);
      if (a.status !== 200) throw new Error(`${r.spec.name}: warm-up request answered ${a.status}`);
      lat.push(performance.now() - t0);
    }
    const m = median(lat);
    progress.end(`${lat.length} requests, median ${m.toFixed(1)} ms (closed loop)`);
    return { requests: lat.length, medianMs: m };
  };

  const session = (
    label: string,
    sampler: Sampler | undefined,
    t0: number,
    markers: Session['markers'],
  ): Session => {
    const pts = sampler?.stop() ?? [];
    const points: Session['points'] = [];
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1];
      const b = pts[i];
      if (!a || !b || b.at - a.at < 50) continue;
      points.push({
        t: (b.at - t0) / 1000,
        cpuPct: (100 * (b.cpuS - a.cpuS)) / ((b.at - a.at) / 1000),
        rssMiB: b.rssMiB,
        pssMiB: b.pssMiB,
      });
    }
    return { label, points, markers };
  };

  // ---- stage 1: start-up, warm-up, capacity search, per target -------------------------------------------
  const startups = new Map<string, { healthz: number[]; first: number[] }>();
  const noteStartup = (r: Running) => {
    const s = startups.get(r.spec.name) ?? { healthz: [], first: [] };
    if (r.startup) {
      s.healthz.push(r.startup.healthzMs);
      s.first.push(r.startup.firstProcessMs);
    }
    startups.set(r.spec.name, s);
  };

  for (const t of opts.targets) {
    progress.phase(t.name, 'start-up', undefined, 0);
    const r = await start(t);
    noteStartup(r);
    progress.end(
      r.startup
        ? `first 200: healthz ${r.startup.healthzMs} ms, POST /process ${r.startup.firstProcessMs} ms`
        : 'external',
    );
    const t0 = Date.now();
    const sampler = r.pid ? new Sampler(r.pid).start() : undefined;
    const markers: Session['markers'] = [];
    try {
      markers.push({ t: 0, label: 'warm-up' });
      const w = await warmup(r);
      const est = (concurrency * 1000) / w.medianMs;
      const steps: TargetResult['capacity']['steps'] = [];
      const cap = await searchCapacity(
        async (rate) => {
          await sleep(p.settleS * 1000);
          markers.push({ t: (Date.now() - t0) / 1000, label: `${rate}/s` });
          progress.phase(t.name, 'capacity', rate, p.stepS);
          const once = async (label: string) => {
            const { record } = await measure(r, sampler, rate, p.stepS, label);
            const v = judge(record.stats, opts.sloP99Ms);
            progress.end(
              `${v.pass ? 'pass' : 'FAIL'}: p99 ${record.stats.latency.p99.toFixed(1)} ms, ${record.stats.ok} ok, ${record.stats.errors} errors, ${record.stats.dropped} dropped`,
            );
            delete record.stats.timeline;
            steps.push({ rate, pass: v.pass, reasons: v.reasons, record });
            return v;
          };
          const v = await once(`capacity-${rate}`);
          if (v.pass || !p.confirmFailures) return v;
          // A failure must repeat: one noisy step (a neighbour's burst) must not set the capacity.
          await sleep(p.settleS * 1000);
          progress.phase(t.name, 'capacity (confirm)', rate, p.stepS);
          return once(`capacity-${rate}-confirm`);
        },
        {
          startRate: Math.max(1, Math.floor(0.6 * est)),
          growth: 1.25,
          maxRate: Math.max(20, Math.ceil(4 * est)),
          bisectSteps: p.bisectSteps,
        },
      );
      progress.info(
        `[${t.name}] capacity ${cap.capacity} req/s (first failure at ${cap.firstFailure} req/s)`,
      );
      perTarget.set(t.name, {
        name: t.name,
        kind: t.kind,
        url: r.url,
        info: infos.get(t.name) ?? {},
        env: envs.get(t.name) ?? {},
        startup: { healthzMs: spread([]), firstProcessMs: spread([]) },
        warmup: {
          closedLoop: true,
          requests: w.requests,
          medianMs: w.medianMs,
          note: 'closed loop, one request in flight; not a benchmark figure',
        },
        capacity: { reqPerS: cap.capacity, firstFailure: cap.firstFailure, steps },
        phases: [],
        sessions: [session('capacity search', sampler, t0, markers)],
      });
    } finally {
      sampler?.stop();
      await r.stop();
    }
  }

  // ---- stage 2: trials of fixed-rate, overload and recovery phases ---------------------------------------
  const caps = opts.targets.map((t) => ({ name: t.name, cap: perTarget.get(t.name)?.capacity.reqPerS ?? 0 }));
  const slowest = caps.reduce((a, b) => (b.cap < a.cap ? b : a));
  if (slowest.cap < 2)
    notes.push(
      `The slowest capacity (${slowest.name}) is ${slowest.cap} req/s: fixed loads are floored at 1 req/s.`,
    );
  const fixedRates = p.fixedFractions.map((f) => ({
    name: `fixed-${Math.round(f * 100)}%`,
    rate: Math.max(1, Math.round(f * slowest.cap)),
    basis: `${Math.round(f * 100)}% of the slowest capacity (${slowest.name}, ${slowest.cap} req/s)`,
  }));

  const trialRecords = new Map<
    string,
    Map<string, { kind: PhaseKind; rate: number; basis: string; recs: PhaseRecord[]; rec: number[] }>
  >();
  const add = (
    target: string,
    name: string,
    kind: PhaseKind,
    rate: number,
    basis: string,
    rec: PhaseRecord,
    recovery?: number,
  ) => {
    const m = trialRecords.get(target) ?? new Map();
    trialRecords.set(target, m);
    const e = m.get(name) ?? { kind, rate, basis, recs: [], rec: [] };
    m.set(name, e);
    e.recs.push(rec);
    if (recovery !== undefined) e.rec.push(recovery);
  };

  for (let trial = 1; trial <= opts.trials; trial++) {
    // Alternate the order so neither target always runs first (thermal, page cache, neighbours).
    const order = trial % 2 === 1 ? opts.targets : [...opts.targets].reverse();
    for (const t of order) {
      const own = perTarget.get(t.name);
      if (!own) continue;
      progress.phase(t.name, `trial ${trial}/${opts.trials}: start-up`, undefined, 0);
      const r = await start(t);
      noteStartup(r);
      progress.end(r.startup ? `first 200 after ${r.startup.firstProcessMs} ms` : 'external');
      const t0 = Date.now();
      const sampler = r.pid ? new Sampler(r.pid).start() : undefined;
      const markers: Session['markers'] = [{ t: 0, label: 'warm-up' }];
      try {
        await warmup(r);
        const run = async (name: string, rate: number, durationS: number) => {
          markers.push({ t: (Date.now() - t0) / 1000, label: name });
          progress.phase(t.name, `trial ${trial}: ${name}`, rate, durationS);
          const m = await measure(r, sampler, rate, durationS, `t${trial}-${name}`);
          const s = m.record.stats;
          progress.end(
            `${s.achievedRate.toFixed(1)} ok/s, p99 ${s.latency.p99.toFixed(1)} ms, ${s.errors} errors, ${s.dropped} dropped`,
          );
          return m.record;
        };
        for (const f of fixedRates) {
          await sleep(p.settleS * 1000);
          const rec = await run(f.name, f.rate, opts.durationS);
          delete rec.stats.timeline;
          add(t.name, f.name, 'fixed', f.rate, f.basis, rec);
        }
        await sleep(p.settleS * 1000);
        const capOwn = Math.max(1, own.capacity.reqPerS);
        const overRate = Math.max(2, Math.round(p.overloadFactor * capOwn));
        const overBasis = `${Math.round(p.overloadFactor * 100)}% of ${t.name}'s own capacity (${capOwn} req/s)`;
        const over = await run('overload', overRate, opts.durationS);
        // No pause: recovery is measured from the moment the overload stops.
        const recRate = Math.max(1, Math.round(0.5 * capOwn));
        const recBasis = `50% of ${t.name}'s own capacity, right after the overload`;
        const rec = await run('recovery', recRate, p.recoveryS);
        const recS = recoverySeconds(rec.stats.timeline ?? [], opts.sloP99Ms);
        progress.info(
          `[${t.name}] trial ${trial}: recovered after ${Number.isNaN(recS) ? `> ${p.recoveryS}` : recS} s`,
        );
        delete over.stats.timeline;
        add(t.name, 'overload', 'overload', overRate, overBasis, over, recS);
        add(t.name, 'recovery', 'recovery', recRate, recBasis, rec);
      } finally {
        const s = session(`trial ${trial}`, sampler, t0, markers);
        own.sessions.push(s);
        await r.stop();
      }
    }
  }

  for (const t of opts.targets) {
    const own = perTarget.get(t.name);
    if (!own) continue;
    const su = startups.get(t.name);
    own.startup = { healthzMs: spread(su?.healthz ?? []), firstProcessMs: spread(su?.first ?? []) };
    for (const [name, e] of trialRecords.get(t.name) ?? []) {
      const phase: TrialPhase = {
        name,
        kind: e.kind,
        offeredRate: e.rate,
        basis: e.basis,
        trials: e.recs,
        summary: summarize(e.recs),
      };
      if (e.kind === 'overload') phase.recoveryS = spread(e.rec);
      own.phases.push(phase);
    }
  }

  environment.loadAvg.end = os.loadavg();
  const others = [...perTarget.values()].flatMap((t) =>
    t.phases.flatMap((p) => p.trials.map((x) => x.resources.otherCpuPct)),
  );
  const worst = Math.max(0, ...others.filter(Number.isFinite));
  if (worst > 25) {
    notes.push(
      `Other processes used up to ${worst.toFixed(0)}% of a CPU during measured phases (load average ${environment.loadAvg.start.map((x) => x.toFixed(2)).join('/')} at start): figures are noisier than on an idle machine. See "other CPU" in the phase tables.`,
    );
  }

  return {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_VERSION,
    createdAt,
    finishedAt: new Date().toISOString(),
    command,
    environment,
    method: {
      mode,
      driver: driverName,
      driverVersion,
      loopModel: 'open',
      body: `multipart/form-data, one part "${SCENARIOS.partName}" (image/jpeg), the same bytes for every target`,
      image: {
        name: sc.image,
        file: path.basename(sc.imagePath),
        bytes: sc.imageBytes,
        width: SCENARIOS.images[sc.image]?.width ?? 0,
        height: SCENARIOS.images[sc.image]?.height ?? 0,
      },
      op: { name: sc.op, query: sc.query, describe: sc.describe },
      expected: sc.expected,
      sloP99Ms: opts.sloP99Ms,
      quick: opts.quick,
      trials: opts.trials,
      phaseS: opts.durationS,
      preset: { ...p },
      rules: RULES,
    },
    preflight,
    fixedRates,
    targets: opts.targets.map((t) => perTarget.get(t.name)).filter((x): x is TargetResult => x !== undefined),
    notes,
  };
}

export class PreflightError extends Error {}

export function figures(r: PhaseRecord): Record<SummaryKey, number> {
  const s = r.stats;
  const shed = s.errorsByStatus['503'] ?? 0;
  return {
    achievedRate: s.achievedRate,
    p50: s.latency.p50,
    p90: s.latency.p90,
    p99: s.latency.p99,
    max: s.latency.max,
    acceptedP99: s.accepted.p99,
    errors: s.errors,
    errorPct: s.sent ? (100 * s.errors) / s.sent : Number.NaN,
    shedPct: s.sent ? (100 * shed) / s.sent : Number.NaN,
    dropped: s.dropped,
    cpuMsPerOk: r.resources.cpuMsPerOk,
    cpuPct: r.resources.cpuPct,
    peakRssMiB: r.resources.peakRssMiB,
    generatorCpuPct: r.resources.generatorCpuPct,
    otherCpuPct: r.resources.otherCpuPct,
  };
}

export function summarize(recs: PhaseRecord[]): TrialPhase['summary'] {
  const f = recs.map(figures);
  return Object.fromEntries(
    SUMMARY_KEYS.map((k) => [k, spread(f.map((x) => x[k]))]),
  ) as TrialPhase['summary'];
}

export type { Scenario };

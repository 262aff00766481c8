// The benchmark itself: build, pre-flight, then per target start-up, warm-up and capacity search, then trials of
// the fixed-rate, overload and recovery phases. Returns everything results.json holds.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { type CapacityFound, findCapacity } from './capacity.js';
import { cpuList, type Options } from './cli.js';
import type { Driver } from './drivers/types.js';
import { collectEnvironment } from './environment.js';
import { type Bench, withLife } from './measure.js';
import { rules } from './method.js';
import { type Answer, checkAnswers, describePreflight } from './preflight.js';
import { type ProbeResult, probeIterations, runProbe } from './probe.js';
import { profileTargets } from './profile/collect.js';
import type { Progress } from './progress.js';
import { RESULTS_SCHEMA, RESULTS_VERSION, type Results, type Session, type TargetResult } from './results.js';
import { scenario as makeScenario, SCENARIOS } from './scenario.js';
import {
  dockerEngineAnswers,
  fetchInfo,
  processOnce,
  type Running,
  type StartOptions,
  type Startup,
  startCompose,
  startExternal,
  startNative,
} from './services.js';
import { COMPOSE_FILE, checkComposeServices, chooseDriver, chooseMode } from './setup.js';
import { spread } from './stats.js';
import { busyMachineNote, phasesOf } from './summary.js';
import { buildNative, checkArtifacts, implementationsOf, type TargetSpec } from './targets.js';
import { fixedRates, runTrial, type TrialPhaseRecord } from './trials.js';

export class PreflightError extends Error {}

/** Rough length of the run for the progress line's ETA (the suite adds these up for its own). */
export function plannedSeconds(opts: Pick<Options, 'preset' | 'durationS' | 'trials' | 'targets'>): number {
  const p = opts.preset;
  const steps = Math.ceil(Math.log(1.2 / p.startFraction) / Math.log(1.25)) + 1 + p.bisectSteps;
  const stage1 = p.warmupS + steps * (p.stepS + p.settleS + 0.3) + 0.5;
  const fixed = p.fixedFractions.length * (opts.durationS + p.settleS + 0.3);
  const stage2 = p.warmupS + fixed + opts.durationS + p.recoveryS + 1;
  // Start-ups, pre-flight and the pipeline probe (about one phase long): a few seconds per target.
  const other = 3 + opts.durationS;
  return opts.targets.length * (stage1 + opts.trials * stage2 + other);
}

/** Builds the services (native mode) and the load generator, then checks every binary is there. */
async function prepare(opts: Options, mode: 'native' | 'docker', driver: Driver, progress: Progress) {
  const t0 = Date.now();
  if (mode === 'native' && !opts.noBuild) {
    progress.info('building the services…');
    await buildNative(implementationsOf(opts.targets), (s) => progress.info(`  ${s}`));
  }
  await driver.prepare();
  if (mode === 'native') checkArtifacts(opts.targets);
  else checkComposeServices(opts.targets);
  progress.info(`  ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** One benchmark request per target, all answers compared with the first target's, before any timing. */
async function preflight(b: Bench) {
  b.progress.info('pre-flight: one benchmark request per target, answers compared…');
  const answers: Array<{ name: string; answer: Answer }> = [];
  const infos = new Map<string, Record<string, unknown>>();
  const envs = new Map<string, Record<string, string>>();
  for (const t of b.opts.targets) {
    const r = await b.start(t);
    try {
      const a = await processOnce(r.url, b.scenario, b.image);
      const header = (h: string) => Number(a.headers.get(h));
      answers.push({
        name: t.name,
        answer: {
          status: a.status,
          contentType: a.headers.get('content-type') ?? '',
          headers: { width: header('x-image-width'), height: header('x-image-height') },
          body: a.body,
        },
      });
      infos.set(t.name, await fetchInfo(r.url));
      envs.set(t.name, r.env);
    } finally {
      await r.stop();
    }
  }
  const result = await checkAnswers(b.scenario, answers);
  b.progress.info(describePreflight(result));
  if (!result.pass) {
    throw new PreflightError(
      `pre-flight failed: the targets do not give the expected, equivalent answer to the benchmark request\n${describePreflight(result)}`,
    );
  }
  return { result, infos, envs };
}

interface PerTarget {
  spec: TargetSpec;
  url: string;
  found: CapacityFound;
  sessions: Session[];
  startups: Startup[];
  records: TrialPhaseRecord[];
  rss: Array<{ idle: number; end: number }>;
  probe: ProbeResult;
}

/**
 * The pipeline probe, pinned like the server, with the server stopped, its images started at `rate` per second (the
 * fixed load the overhead row compares with); it never fails the run.
 */
async function probeStage(b: Bench, spec: TargetSpec, rate: number, mode: 'native' | 'docker') {
  const n = probeIterations(rate, b.opts.durationS);
  b.progress.phase(
    spec.name,
    `pipeline probe (in-process, ${n.iterations} images at ${rate}/s)`,
    undefined,
    0,
  );
  const probe = await runProbe(spec, {
    scenario: b.scenario,
    cpus: b.opts.serverCpus,
    concurrency: b.concurrency,
    rate,
    mode,
    ...n,
  });
  b.progress.end(
    probe.status === 'ok'
      ? `${probe.cpuMsPerImage.toFixed(2)} CPU ms per image, ${probe.wallMsPerImage.toFixed(2)} ms wall`
      : `n/a: ${probe.reason}`,
  );
  return probe;
}

/** Stage 1: each target alone, start-up, warm-up and capacity search. */
async function capacityStage(b: Bench): Promise<PerTarget[]> {
  const out: PerTarget[] = [];
  for (const spec of b.opts.targets) {
    const life = await withLife(b, spec, 'capacity search', (l) => findCapacity(b, l));
    out.push({
      spec,
      url: life.url,
      found: life.value,
      sessions: [life.session],
      startups: life.startup ? [life.startup] : [],
      records: [],
      rss: [life.rssMiB],
      probe: { status: 'n/a', reason: 'not run' },
    });
  }
  return out;
}

/** Stage 2: trials; each target restarted for each, the order alternating so no target always runs first. */
async function trialStage(b: Bench, targets: PerTarget[], fixed: Results['fixedRates']): Promise<void> {
  for (let trial = 1; trial <= b.opts.trials; trial++) {
    const order = trial % 2 === 1 ? targets : [...targets].reverse();
    for (const t of order) {
      const life = await withLife(b, t.spec, `trial ${trial}`, (l) =>
        runTrial(b, l, trial, fixed, t.found.capacity.reqPerS),
      );
      t.records.push(...life.value);
      t.sessions.push(life.session);
      t.rss.push(life.rssMiB);
      if (life.startup) t.startups.push(life.startup);
    }
  }
}

function targetResult(
  t: PerTarget,
  info: Record<string, unknown>,
  env: Record<string, string>,
): TargetResult {
  return {
    name: t.spec.name,
    kind: t.spec.kind,
    url: t.url,
    info,
    env,
    startup: {
      healthzMs: spread(t.startups.map((s) => s.healthzMs)),
      firstProcessMs: spread(t.startups.map((s) => s.firstProcessMs)),
    },
    warmup: t.found.warmup,
    capacity: t.found.capacity,
    phases: phasesOf(t.records),
    sessions: t.sessions,
    memory: {
      idleRssMiB: spread(t.rss.map((x) => x.idle)),
      // After the run: the end of each trial's life (the capacity search's life ends mid-way).
      afterRunRssMiB: spread(t.rss.slice(1).map((x) => x.end)),
    },
    probe: t.probe,
  };
}

export async function runBenchmark(opts: Options, progress: Progress, command: string): Promise<Results> {
  const createdAt = new Date().toISOString();
  const mode = await chooseMode(opts, progress);
  const concurrency = cpuList(opts.serverCpus).length;
  const { name: driverName, driver } = await chooseDriver(opts, mode, concurrency);
  const driverVersion = await driver.version();
  progress.info(`driver: ${driverVersion} (open loop)`);

  // In native mode this orchestrator (and so its samplers and the closed-loop warm-up) shares the load CPUs.
  const loadCpus = mode === 'native' ? opts.loadCpus : undefined;
  if (loadCpus) await $({ quiet: true, nothrow: true })`taskset -pc ${loadCpus} ${process.pid}`;

  const sc = makeScenario(opts.image, opts.op);
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
  await prepare(opts, mode, driver, progress);
  const profiles = opts.profile
    ? await profileTargets(
        opts.targets,
        {
          cleanBuild: !opts.quick,
          dockerEngine: mode === 'docker' || (await dockerEngineAnswers()),
          composeFile: COMPOSE_FILE,
        },
        (s) => progress.info(s),
      )
    : {};

  const startOpts: StartOptions = {
    scenario: sc,
    cpus: opts.serverCpus,
    concurrency,
    logDir: path.join(opts.out, 'logs'),
  };
  const image = readFileSync(sc.imagePath);
  const start = (t: TargetSpec): Promise<Running> =>
    t.kind === 'external'
      ? startExternal(t, startOpts, image)
      : mode === 'docker'
        ? startCompose(t, startOpts, image, COMPOSE_FILE)
        : startNative(t, startOpts, image);
  const b: Bench = {
    opts,
    preset: opts.preset,
    scenario: sc,
    image,
    driver,
    progress,
    concurrency,
    loadCpus,
    rawDir: path.join(opts.out, 'raw'),
    start,
  };

  const pre = await preflight(b);
  progress.replan(plannedSeconds(opts));
  const targets = await capacityStage(b);
  const caps = targets.map((t) => ({ name: t.spec.name, cap: t.found.capacity.reqPerS }));
  const fixed = fixedRates(opts.preset.fixedFractions, caps);
  const notes: string[] = [];
  if (Math.min(...caps.map((c) => c.cap)) < 2)
    notes.push('The slowest capacity is under 2 req/s: fixed loads are floored at 1 req/s.');
  // Stage 1b: each target's pipeline probe at the rate of the overhead row (the last fixed load).
  const probeRate = fixed.at(-1)?.rate ?? 1;
  for (const t of targets) t.probe = await probeStage(b, t.spec, probeRate, mode);
  await trialStage(b, targets, fixed);

  const results = targets.map((t) => {
    const r = targetResult(t, pre.infos.get(t.spec.name) ?? {}, pre.envs.get(t.spec.name) ?? {});
    const profile = profiles[t.spec.name];
    return profile ? { ...r, profile } : r;
  });
  environment.loadAvg.end = os.loadavg();
  const busy = busyMachineNote(results, environment.loadAvg.start);
  if (busy) notes.push(busy);

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
      serverCpus: concurrency,
      quick: opts.quick,
      ci: Boolean(process.env.CI),
      trials: opts.trials,
      phaseS: opts.durationS,
      preset: { ...opts.preset },
      rules: rules(opts.preset, mode === 'native' ? `taskset -c ${opts.serverCpus}` : 'compose limits'),
    },
    preflight: pre.result,
    fixedRates: fixed,
    targets: results,
    notes,
    plan: opts.plan,
  };
}

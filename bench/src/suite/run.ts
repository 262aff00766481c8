// `pnpm bench:compare --suite [quick]` and `--resume DIR`: the matrix of scenarios, each the whole single-run
// method (pre-flight, capacity, fixed loads, overload, recovery), one after the other. A scenario that fails
// (its pre-flight, or anything else) is recorded with the reason and the suite goes on; an interrupted suite
// resumes at the first scenario without results.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Options } from '../cli.js';
import { type ImplementationProfile, profileTargets } from '../profile/collect.js';
import type { Progress } from '../progress.js';
import { readResults } from '../render.js';
import type { Results } from '../results.js';
import { plannedSeconds, runBenchmark } from '../run.js';
import { dockerEngineAnswers } from '../services.js';
import { COMPOSE_FILE } from '../setup.js';
import { buildNative, implementationsOf, parseTargets, specText } from '../targets.js';
import { writeReports } from '../write.js';
import { planMatrix, type SuiteScenario, scenarioLabel, suitePreset } from './matrix.js';
import { type SuiteResults, suiteResults } from './results.js';
import {
  markFailed,
  PLAN_FILE,
  PROFILE_FILE,
  pendingScenarios,
  readPlan,
  type SuitePlan,
  scenarioDir,
  scenarioStatus,
  writePlan,
} from './state.js';

/** A new suite's plan from the options; --image/--op/--cpus narrow or replace the default matrix. */
export function newPlan(
  opts: Options,
  command: string,
  cores = os.cpus().length,
  now = new Date(),
): SuitePlan {
  const kind = opts.suite ?? 'full';
  const preset = suitePreset(kind);
  return {
    schema: 'rtip-bench/suite-plan',
    schemaVersion: 1,
    kind,
    createdAt: now.toISOString(),
    command,
    targets: opts.targets.map(specText),
    mode: opts.mode,
    driver: opts.driver,
    preset,
    // An explicit --duration or --trials wins over the suite's phase lengths, as it does over a preset.
    durationS: opts.durationS === opts.preset.phaseS ? preset.phaseS : opts.durationS,
    trials: opts.trials === opts.preset.trials ? preset.trials : opts.trials,
    sloP99Ms: opts.sloP99Ms,
    plan: opts.plan,
    scenarios: planMatrix({ kind, cores, only: opts.only, cpus: opts.cpuConfigs }),
  };
}

/** The options of one scenario's run: the single-run method with the suite's settings. */
export function scenarioOptions(base: Options, plan: SuitePlan, s: SuiteScenario, dir: string): Options {
  return {
    ...base,
    targets: parseTargets(plan.targets.join(',')),
    mode: plan.mode,
    driver: plan.driver,
    image: s.image,
    op: s.op,
    quick: plan.kind === 'quick',
    preset: plan.preset,
    durationS: plan.durationS,
    trials: plan.trials,
    serverCpus: s.cpus.server,
    loadCpus: s.cpus.load,
    sloP99Ms: plan.sloP99Ms,
    plan: plan.plan,
    out: scenarioDir(dir, s.id),
    // The suite measures the profile once, for all its scenarios.
    profile: false,
  };
}

/** Seconds the scenarios should take, for the suite's ETA. */
export function suiteSeconds(plan: SuitePlan, scenarios: readonly SuiteScenario[]): number {
  const targets = parseTargets(plan.targets.join(','));
  const one = plannedSeconds({
    preset: plan.preset,
    durationS: plan.durationS,
    trials: plan.trials,
    targets,
  });
  return scenarios.length * (one + 5);
}

async function suiteProfile(dir: string, plan: SuitePlan, progress: Progress) {
  const file = path.join(dir, PROFILE_FILE);
  // Measured by this suite at its start; a resumed suite keeps its own.
  if (existsSync(file))
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, ImplementationProfile>;
  progress.info('implementation profile (once for the suite)…');
  const profile = await profileTargets(
    parseTargets(plan.targets.join(',')),
    {
      cleanBuild: plan.kind !== 'quick',
      dockerEngine: await dockerEngineAnswers(),
      composeFile: COMPOSE_FILE,
    },
    (s) => progress.info(s),
  );
  writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
  return profile;
}

export interface SuiteRun {
  suite: SuiteResults;
  dir: string;
}

export async function runSuite(opts: Options, progress: Progress, command: string): Promise<SuiteRun> {
  const dir = opts.out;
  let plan: SuitePlan;
  if (opts.resume) {
    plan = readPlan(dir);
    progress.info(`resuming the ${plan.kind} suite in ${dir} with its own settings`);
  } else {
    if (existsSync(path.join(dir, PLAN_FILE)))
      throw new Error(`${dir} already holds a suite: --resume ${dir} continues it`);
    plan = newPlan(opts, command);
    writePlan(dir, plan);
  }
  const pending = pendingScenarios(dir, plan);
  progress.info(
    `suite (${plan.kind}${plan.kind === 'quick' ? ': not for conclusions' : ''}): ${plan.scenarios.length} scenarios, ${pending.length} to run, about ${Math.round(suiteSeconds(plan, pending) / 60)} min`,
  );
  let built = opts.noBuild;
  if (!built) {
    // The profile reads what the build makes (the Go binaries' size and libraries): build before it.
    await buildNative(implementationsOf(parseTargets(plan.targets.join(','))), (s) => progress.info(s));
    built = true;
  }
  const profile = await suiteProfile(dir, plan, progress);
  for (const [k, s] of pending.entries()) {
    const index = plan.scenarios.findIndex((x) => x.id === s.id) + 1;
    const label = `[${index}/${plan.scenarios.length} ${scenarioLabel(s)}]`;
    progress.scenario(label, suiteSeconds(plan, [s]), suiteSeconds(plan, pending.slice(k + 1)));
    progress.info(`${label} scenario ${s.id}`);
    // Leftovers of an interrupted attempt (raw files, logs) would mix with the new ones.
    rmSync(scenarioDir(dir, s.id), { recursive: true, force: true });
    const o = { ...scenarioOptions(opts, plan, s, dir), noBuild: built };
    try {
      const r = await runBenchmark(o, progress, `${plan.command} [scenario ${s.id}]`);
      writeReports(r, o.out);
    } catch (e) {
      const reason = (e as Error).message.split('\n').slice(0, 3).join(' ');
      progress.info(`${label} FAILED: ${reason} (the suite goes on)`);
      markFailed(dir, s.id, reason);
    }
    built = true;
  }
  const outcomes = plan.scenarios.map((scenario) => {
    const status = scenarioStatus(dir, scenario.id);
    const results: Results | undefined =
      status.status === 'done' ? readResults(path.join(dir, status.results)) : undefined;
    return { scenario, status, ...(results && { results }) };
  });
  return {
    suite: suiteResults({ plan, outcomes, profile, finishedAt: new Date().toISOString() }),
    dir,
  };
}

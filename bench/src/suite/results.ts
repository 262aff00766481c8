// suite.json: the versioned schema of a suite, made from its scenarios' results.json files. Every figure in it
// was measured by one of those scenarios (or, for the profile, at the suite's start); none is carried over.

import { cpuList } from '../cli.js';
import { capacityPlan, type PlanRow, type PlanSettings } from '../plan.js';
import { pacedProbeMs, probeNaReason } from '../probe.js';
import type { ImplementationProfile } from '../profile/collect.js';
import { runtimeText } from '../report/document.js';
import type { RuntimeFigures } from '../report/profile.js';
import type { Environment, Results, TargetResult } from '../results.js';
import type { PhasePreset } from '../scenario.js';
import { type Spread, spread } from '../stats.js';
import type { SuiteKind, SuiteScenario } from './matrix.js';
import type { ScenarioStatus, SuitePlan } from './state.js';

export const SUITE_SCHEMA = 'rtip-bench/suite';
export const SUITE_VERSION = 1;

/** The headline figures of one target in one scenario (medians over trials). */
export interface ScenarioFigures {
  capacity: number;
  /** At the last (highest) fixed load, the same offered rate for every target of the scenario. */
  cpuMsPerOk: number;
  p99Ms: number;
  peakRssMiB: number;
  generatorCpuPct: number;
  /** The pipeline probe's CPU ms per image, and the service's CPU per request beyond it (NaN: no probe). */
  probeCpuMs: number;
  overheadMs: number;
  /** Why there is no probe figure, when there is none. */
  probeNa?: string;
  startupMs: number;
  idleRssMiB: number;
  afterRunRssMiB: number;
}

export interface SuiteScenarioResult extends SuiteScenario {
  status: ScenarioStatus['status'];
  reason?: string;
  /** results.json of the scenario, relative to the suite folder. */
  results?: string;
  /** The common fixed rate of the figures (req/s). */
  fixedRate?: number;
  figures?: Record<string, ScenarioFigures>;
}

export interface ScalingRow {
  image: string;
  op: string;
  target: string;
  one: { cpus: number; capacity: number };
  all: { cpus: number; capacity: number };
  /** capacity(all) ÷ (N × capacity(1)), with N = all.cpus ÷ one.cpus. */
  efficiency: number;
  /** The load generator's CPU in the all-CPU scenario. */
  generatorCpuPct: number;
}

export interface SuiteResults {
  schema: typeof SUITE_SCHEMA;
  schemaVersion: typeof SUITE_VERSION;
  kind: SuiteKind;
  createdAt: string;
  finishedAt: string;
  command: string;
  /** The machine, once (from the first finished scenario); load averages of the first and last. */
  environment: Environment | undefined;
  /** Each target's runtime and libvips, from its /info in the first finished scenario (absent before 2026-12-03). */
  runtimes?: Record<string, string>;
  method: {
    targets: string[];
    mode: string;
    driver: string;
    preset: PhasePreset;
    trials: number;
    phaseS: number;
    sloP99Ms: number;
    plan: PlanSettings;
    /** True when some scenario's servers share CPUs with the load generator. */
    generatorSharesCores: boolean;
  };
  scenarios: SuiteScenarioResult[];
  scaling: ScalingRow[];
  profile: Record<string, ImplementationProfile>;
  /** Start-up and RSS per target across the finished scenarios. */
  runtime: Record<string, RuntimeFigures>;
  /** Capacity plan per finished scenario. */
  plans: Array<{ id: string; rows: PlanRow[] }>;
  notes: string[];
}

const med = (s: Spread | undefined) => s?.median ?? Number.NaN;
const phase = (t: TargetResult, name: string) => t.phases.find((p) => p.name === name);

export function scenarioFigures(r: Results): { fixedRate: number; figures: Record<string, ScenarioFigures> } {
  const last = r.fixedRates[r.fixedRates.length - 1];
  const figures: Record<string, ScenarioFigures> = {};
  for (const t of r.targets) {
    const p = last ? phase(t, last.name) : undefined;
    const cpu = med(p?.summary.cpuMsPerOk);
    const probe = pacedProbeMs(t.probe);
    const probeNa = t.probe ? probeNaReason(t.probe) : 'not measured';
    figures[t.name] = {
      capacity: t.capacity.reqPerS,
      cpuMsPerOk: cpu,
      p99Ms: med(p?.summary.p99),
      peakRssMiB: med(p?.summary.peakRssMiB),
      generatorCpuPct: med(p?.summary.generatorCpuPct),
      probeCpuMs: probe,
      overheadMs: cpu - probe,
      ...(probeNa !== undefined && { probeNa }),
      startupMs: med(t.startup.firstProcessMs),
      idleRssMiB: med(t.memory?.idleRssMiB),
      afterRunRssMiB: med(t.memory?.afterRunRssMiB),
    };
  }
  return { fixedRate: last?.rate ?? Number.NaN, figures };
}

/** Whether the load generator runs on one of the servers' CPUs in this setting. */
export function loadSharesServerCpus(cpus: { server: string; load: string }): boolean {
  const load = new Set(cpuList(cpus.load));
  return cpuList(cpus.server).some((c) => load.has(c));
}

/**
 * Scaling efficiency per (image, op, target): the scenario with the most server CPUs against the one with the
 * fewest, capacity per CPU over capacity per CPU. 1 = perfectly linear.
 */
export function scalingEfficiency(scenarios: readonly SuiteScenarioResult[]): ScalingRow[] {
  const out: ScalingRow[] = [];
  const groups = new Map<string, SuiteScenarioResult[]>();
  for (const s of scenarios) {
    if (s.status !== 'done' || !s.figures) continue;
    const k = `${s.image}\u0000${s.op}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const g of groups.values()) {
    const sorted = [...g].sort((a, b) => a.serverCpus - b.serverCpus);
    const one = sorted[0];
    const all = sorted[sorted.length - 1];
    if (!one || !all || all.serverCpus <= one.serverCpus) continue;
    for (const target of Object.keys(all.figures ?? {})) {
      const a = one.figures?.[target];
      const b = all.figures?.[target];
      if (!a || !b) continue;
      const n = all.serverCpus / one.serverCpus;
      out.push({
        image: one.image,
        op: one.op,
        target,
        one: { cpus: one.serverCpus, capacity: a.capacity },
        all: { cpus: all.serverCpus, capacity: b.capacity },
        efficiency: a.capacity > 0 ? b.capacity / (n * a.capacity) : Number.NaN,
        generatorCpuPct: b.generatorCpuPct,
      });
    }
  }
  return out;
}

function runtimeOf(scenarios: readonly SuiteScenarioResult[], targets: readonly string[]) {
  const out: Record<string, RuntimeFigures> = {};
  for (const name of targets) {
    const f = scenarios.flatMap((s) => (s.figures?.[name] ? [s.figures[name]] : []));
    out[name] = {
      startupMs: spread(f.map((x) => x.startupMs)),
      idleRssMiB: spread(f.map((x) => x.idleRssMiB)),
      afterRunRssMiB: spread(f.map((x) => x.afterRunRssMiB)),
    };
  }
  return out;
}

export interface SuiteInputs {
  plan: SuitePlan;
  /** Each scenario's status, and its results when it finished. */
  outcomes: Array<{ scenario: SuiteScenario; status: ScenarioStatus; results?: Results }>;
  profile: Record<string, ImplementationProfile>;
  finishedAt: string;
}

export function suiteResults(i: SuiteInputs): SuiteResults {
  const { plan } = i;
  const done = i.outcomes.flatMap((o) => (o.results ? [o.results] : []));
  const scenarios: SuiteScenarioResult[] = i.outcomes.map((o) => {
    const base: SuiteScenarioResult = { ...o.scenario, status: o.status.status };
    if (o.status.status === 'failed') return { ...base, reason: o.status.reason };
    if (o.status.status !== 'done' || !o.results) return base;
    return { ...base, results: o.status.results, ...scenarioFigures(o.results) };
  });
  const targets = done[0]?.targets.map((t) => t.name) ?? plan.targets.map((t) => t.split('=')[0] ?? t);
  const first = done[0];
  const environment = first
    ? {
        ...first.environment,
        loadAvg: { start: first.environment.loadAvg.start, end: done.at(-1)?.environment.loadAvg.end ?? [] },
      }
    : undefined;
  const shares = plan.scenarios.some((s) => loadSharesServerCpus(s.cpus));
  const notes: string[] = [];
  const failed = scenarios.filter((s) => s.status === 'failed');
  if (failed.length) notes.push(`${failed.length} scenario(s) failed; their rows say why, the others stand.`);
  const pending = scenarios.filter((s) => s.status === 'pending');
  if (pending.length)
    notes.push(
      `${pending.length} scenario(s) did not run (the suite was interrupted: \`--resume\` continues it).`,
    );
  const busy = done.flatMap((r) => r.notes.filter((n) => n.startsWith('Other processes')));
  if (busy.length) notes.push(`${busy.length} scenario(s) ran on a busy machine (see their report.md).`);
  return {
    schema: SUITE_SCHEMA,
    schemaVersion: SUITE_VERSION,
    kind: plan.kind,
    createdAt: plan.createdAt,
    finishedAt: i.finishedAt,
    command: plan.command,
    environment,
    ...(first && { runtimes: Object.fromEntries(first.targets.map((t) => [t.name, runtimeText(t.info)])) }),
    method: {
      targets,
      mode: first?.method.mode ?? plan.mode,
      driver: first?.method.driver ?? plan.driver,
      preset: plan.preset,
      trials: plan.trials,
      phaseS: plan.durationS,
      sloP99Ms: plan.sloP99Ms,
      plan: plan.plan,
      generatorSharesCores: shares,
    },
    scenarios,
    scaling: scalingEfficiency(scenarios),
    profile: i.profile,
    runtime: runtimeOf(scenarios, targets),
    plans: scenarios
      .filter((s) => s.figures)
      .map((s) => ({
        id: s.id,
        rows: capacityPlan(
          targets.map((name) => ({
            name,
            capacity: s.figures?.[name]?.capacity ?? Number.NaN,
            cpus: s.serverCpus,
          })),
          plan.plan,
        ),
      })),
    notes,
  };
}

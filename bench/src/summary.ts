// From per-trial records to what results.json keeps per phase: every trial, and the median/min–max of the figures.

import type { PhaseRecord, SummaryKey, TargetResult, TrialPhase } from './results.js';
import { SUMMARY_KEYS } from './results.js';
import { spread } from './stats.js';
import type { TrialPhaseRecord } from './trials.js';

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

/** Groups a target's trial records by phase name, in the order the phases ran. */
export function phasesOf(records: readonly TrialPhaseRecord[]): TrialPhase[] {
  const byName = new Map<string, TrialPhaseRecord[]>();
  for (const r of records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName.values()].map((rs) => {
    const first = rs[0] as TrialPhaseRecord;
    const trials = rs.map((r) => r.record);
    const phase: TrialPhase = {
      name: first.name,
      kind: first.kind,
      offeredRate: first.rate,
      basis: first.basis,
      trials,
      summary: summarize(trials),
    };
    if (first.kind === 'overload') phase.recoveryS = spread(rs.map((r) => r.recoveryS ?? Number.NaN));
    return phase;
  });
}

/** A note when other processes used a noticeable share of a CPU during measured phases. */
export function busyMachineNote(
  targets: readonly TargetResult[],
  loadAvgStart: number[],
): string | undefined {
  const others = targets.flatMap((t) =>
    t.phases.flatMap((p) => p.trials.map((x) => x.resources.otherCpuPct)),
  );
  const worst = Math.max(0, ...others.filter(Number.isFinite));
  if (worst <= 25) return undefined;
  return `Other processes used up to ${worst.toFixed(0)}% of a CPU during measured phases (load average ${loadAvgStart.map((x) => x.toFixed(2)).join('/')} at start): figures are noisier than on an idle machine. See "other CPU" in the phase tables.`;
}

// Capacity planning: from the measured capacity per core, the cores and pods each target needs for a planned
// rate at the SLO, and what a million images cost at an assumed price per core-hour.

export interface PlanSettings {
  /** Images per second to plan for (--plan-rate). */
  rate: number;
  /** CPUs per pod (--pod-cpus). */
  podCpus: number;
  /** Price of one core for one hour, USD (--core-hour-usd): an assumption, said so in the reports. */
  coreHourUsd: number;
}

export const PLAN_DEFAULTS: PlanSettings = { rate: 1000, podCpus: 2, coreHourUsd: 0.04 };

export interface PlanRow {
  name: string;
  /** Measured capacity (req/s at the SLO) on `cpus` server CPUs. */
  capacity: number;
  cpus: number;
  perCore: number;
  cores: number;
  pods: number;
  /** At full use of the cores: price × core-hours per million images. */
  usdPerMillion: number;
  /** With the whole pods that the plan rounds up to, serving exactly the planned rate. */
  usdPerMillionPods: number;
}

/**
 * One row per target. Capacity per core = capacity ÷ the server CPUs it was measured on; this assumes the
 * service scales linearly with cores (the suite's scaling efficiency says how far that holds).
 */
export function capacityPlan(
  targets: ReadonlyArray<{ name: string; capacity: number; cpus: number }>,
  s: PlanSettings,
): PlanRow[] {
  return targets.map(({ name, capacity, cpus }) => {
    const perCore = cpus > 0 ? capacity / cpus : Number.NaN;
    const ok = Number.isFinite(perCore) && perCore > 0;
    const cores = ok ? Math.ceil(s.rate / perCore) : Number.NaN;
    const pods = ok ? Math.ceil(cores / s.podCpus) : Number.NaN;
    const coreHoursPerMillion = ok ? 1e6 / (perCore * 3600) : Number.NaN;
    const podCoreHoursPerMillion = ok ? (pods * s.podCpus * 1e6) / (s.rate * 3600) : Number.NaN;
    return {
      name,
      capacity,
      cpus,
      perCore,
      cores,
      pods,
      usdPerMillion: coreHoursPerMillion * s.coreHourUsd,
      usdPerMillionPods: podCoreHoursPerMillion * s.coreHourUsd,
    };
  });
}
